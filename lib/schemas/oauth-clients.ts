// OAuth client schemas by purpose (DESIGN.md §3.3): create and rotate inputs,
// and the response shapes — the created client (secret once), the listed
// client and the rotated secret (secret once). Hashes never leave.
import { z } from "zod";
import { scopeNameSchema } from "./keys";

export const GRANT_TYPES = ["authorization_code", "client_credentials", "refresh_token"] as const;
export const grantTypeSchema = z.enum(GRANT_TYPES);
export type GrantType = z.infer<typeof grantTypeSchema>;

export const CONFIDENTIAL_AUTH_METHODS = ["client_secret_basic", "client_secret_post"] as const;
export const tokenEndpointAuthMethodSchema = z.enum([...CONFIDENTIAL_AUTH_METHODS, "none"]);

export const MAX_REDIRECT_URIS = 10;
/** Loopback hosts may use plain http (RFC 8252 §7.3, §8.3): the traffic never leaves the machine. */
const LOOPBACK_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/**
 * Why a redirect URI is refused, or null when it is acceptable. The string is
 * stored exactly as given and matched exactly (RFC 6749 §3.1.2, OAuth 2.1
 * §2.3.1: simple string comparison), so nothing here normalises it.
 */
export function redirectUriProblem(uri: string): string | null {
  // The URL parser strips surrounding whitespace and control characters; an
  // exact-match string must not carry any of them.
  if (/[\s\x00-\x1f\x7f]/.test(uri)) return "must not contain spaces or control characters";
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return "must be an absolute URL";
  }
  // `new URL("https://a/cb#").hash` is "", so look at the string itself.
  if (uri.includes("#")) return "must not contain a fragment (#) (RFC 6749 §3.1.2)";
  if (url.username || url.password) return "must not contain credentials";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:") {
    return LOOPBACK_HOSTS.has(url.hostname)
      ? null
      : "must use https (http is allowed only for localhost, 127.0.0.1 and [::1])";
  }
  return "must use https (http is allowed only for localhost, 127.0.0.1 and [::1])";
}

export const redirectUriSchema = z
  .string()
  .max(2048, "Redirect URIs are at most 2048 characters.")
  .superRefine((uri, ctx) => {
    const problem = redirectUriProblem(uri);
    if (problem) ctx.addIssue({ code: "custom", message: `Redirect URI ${JSON.stringify(uri)} ${problem}.` });
  })
  .meta({ description: "Absolute https URL (http only for loopback hosts), no fragment. Matched exactly." });

const dedupe = <T>(items: T[]): T[] => [...new Set(items)];

export const createOAuthClientSchema = z
  .object({
    name: z.string().trim().min(1, "Give the client a name.").max(100),
    grantTypes: z
      .array(grantTypeSchema)
      .min(1, "Choose at least one grant type.")
      .transform(dedupe)
      .meta({ description: "Deduplicated." }),
    redirectUris: z
      .array(redirectUriSchema)
      .max(MAX_REDIRECT_URIS, `At most ${MAX_REDIRECT_URIS} redirect URIs.`)
      .transform(dedupe)
      .optional()
      .meta({ description: "Required with authorization_code; refused without it. Stored and matched exactly." }),
    scopes: z
      .array(scopeNameSchema)
      .max(100)
      .transform(dedupe)
      .meta({ description: "Catalog scope names: the most this client can ever be granted." }),
    public: z
      .boolean()
      .default(false)
      .meta({ description: "A public client (SPA, native app) has no secret and must use PKCE." }),
    tokenEndpointAuthMethod: z
      .enum(CONFIDENTIAL_AUTH_METHODS)
      .default("client_secret_basic")
      .meta({ description: "Ignored for public clients, which use `none`." }),
  })
  .strict()
  .superRefine((v, ctx) => {
    const grants = new Set(v.grantTypes);
    const uris = v.redirectUris ?? [];
    if (grants.has("authorization_code") && uris.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["redirectUris"],
        message: "authorization_code needs at least one redirect URI.",
      });
    }
    if (!grants.has("authorization_code") && uris.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["redirectUris"],
        message: "Redirect URIs are only used with authorization_code: add that grant type or remove them.",
      });
    }
    if (grants.has("refresh_token") && !grants.has("authorization_code")) {
      ctx.addIssue({
        code: "custom",
        path: ["grantTypes"],
        message: "refresh_token needs authorization_code (refresh tokens are issued by the code flow).",
      });
    }
    if (v.public && grants.has("client_credentials")) {
      ctx.addIssue({
        code: "custom",
        path: ["grantTypes"],
        message: "A public client cannot use client_credentials: it has no secret to authenticate with.",
      });
    }
  })
  .meta({ id: "CreateOAuthClientRequest" });
export type CreateOAuthClientInput = z.infer<typeof createOAuthClientSchema>;

export const DEFAULT_GRACE_PERIOD_SECONDS = 3600;
export const MAX_GRACE_PERIOD_SECONDS = 30 * 24 * 3600;

export const rotateSecretSchema = z
  .object({
    gracePeriodSeconds: z
      .int()
      .min(0)
      .max(MAX_GRACE_PERIOD_SECONDS, "The grace period is at most 30 days (2592000 seconds).")
      .default(DEFAULT_GRACE_PERIOD_SECONDS)
      .meta({ description: "How long the previous secret keeps working; 0 stops it at once." }),
  })
  .strict()
  .meta({ id: "RotateOAuthClientSecretRequest" });
export type RotateSecretInput = z.infer<typeof rotateSecretSchema>;

const clientTypeSchema = z.enum(["confidential", "public"]);

export const oauthClientSchema = z
  .object({
    id: z.string(),
    clientId: z.string().meta({ example: "gc_4Jq0aZ8m2QeTn5YwXc7bRs1L" }),
    name: z.string(),
    type: clientTypeSchema,
    grantTypes: z.array(grantTypeSchema),
    redirectUris: z.array(z.string()),
    scopes: z.array(z.string()),
    tokenEndpointAuthMethod: tokenEndpointAuthMethodSchema,
    secretLast4: z
      .string()
      .nullable()
      .meta({ description: "Last 4 characters of the current secret; null for public clients." }),
    previousSecretExpiresAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: "Until when the secret replaced by the last rotation still works." }),
    status: z.enum(["active", "revoked"]),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "OAuthClient" });
export type OAuthClientView = z.infer<typeof oauthClientSchema>;

export const createdOAuthClientSchema = z
  .object({
    id: z.string(),
    clientId: z.string(),
    clientSecret: z
      .string()
      .optional()
      .meta({ description: "Confidential clients only. Shown once; Gatehouse stores only its SHA-256." }),
    name: z.string(),
    type: clientTypeSchema,
    grantTypes: z.array(grantTypeSchema),
    redirectUris: z.array(z.string()),
    scopes: z.array(z.string()),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "CreatedOAuthClient" });
export type CreatedOAuthClient = z.infer<typeof createdOAuthClientSchema>;

export const rotatedSecretSchema = z
  .object({
    id: z.string(),
    clientId: z.string(),
    clientSecret: z.string().meta({ description: "The new secret. Shown once." }),
    previousSecretExpiresAt: z.iso
      .datetime()
      .nullable()
      .meta({ description: "Until when the previous secret still works; null when it stopped at once." }),
  })
  .meta({ id: "RotatedOAuthClientSecret" });
export type RotatedSecret = z.infer<typeof rotatedSecretSchema>;

export const oauthClientListSchema = z.object({ data: z.array(oauthClientSchema) }).meta({ id: "OAuthClientList" });
