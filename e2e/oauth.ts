// Shared helpers for the OAuth e2e specs: register clients through the REST
// API, drive the authorization-code flow over HTTP with a signed-in user's
// portal session, configure the real client libraries (openid-client,
// oauth4webapi) against the running issuer, and ask the data plane about tokens.
import { createDecipheriv, hkdfSync } from "node:crypto";
import { expect, type APIRequestContext } from "@playwright/test";
import { importJWK, type CryptoKey, type JWK } from "jose";
import * as oauth from "oauth4webapi";
import * as oidc from "openid-client";
import pg from "pg";
import { baseURL } from "../playwright.config";
import type { SignedIn } from "./fixtures";

/** The issuer is GATEHOUSE_PUBLIC_URL, which the e2e server gets as its base URL. */
export const ISSUER = baseURL.replace(/\/$/, "");
export const AUDIENCE = `${ISSUER}/api`;
/** Never fetched: the flow stops at the redirect and reads its Location. */
export const REDIRECT_URI = "http://127.0.0.1:9/cb";

export type ClientInput = {
  name?: string;
  grantTypes: ("authorization_code" | "client_credentials" | "refresh_token")[];
  redirectUris?: string[];
  scopes: string[];
  public?: boolean;
  tokenEndpointAuthMethod?: "client_secret_basic" | "client_secret_post";
};
export type CreatedClient = { id: string; clientId: string; clientSecret?: string };

/** Register a client in the owner's organization (session cookie). */
export async function createClient(owner: SignedIn, input: ClientInput): Promise<CreatedClient> {
  const res = await owner.request.post("/api/v1/oauth-clients", {
    data: { name: `e2e-${Date.now().toString(36)}`, ...input },
  });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as CreatedClient;
}

/** A confidential web app: authorization code + refresh tokens, redirect to REDIRECT_URI. */
export function webApp(scopes = ["read:profile", "update:profile"], extra: Partial<ClientInput> = {}): ClientInput {
  return {
    grantTypes: ["authorization_code", "refresh_token"],
    redirectUris: [REDIRECT_URI],
    scopes,
    ...extra,
  };
}

export async function revokeClient(owner: SignedIn, id: string): Promise<void> {
  const res = await owner.request.delete(`/api/v1/oauth-clients/${id}`);
  expect(res.status(), await res.text()).toBe(200);
}

export async function rotateClientSecret(owner: SignedIn, id: string, gracePeriodSeconds: number): Promise<string> {
  const res = await owner.request.post(`/api/v1/oauth-clients/${id}/rotate-secret`, { data: { gracePeriodSeconds } });
  expect(res.status(), await res.text()).toBe(200);
  return ((await res.json()) as { clientSecret: string }).clientSecret;
}

export type Pkce = { verifier: string; challenge: string };

export async function pkce(): Promise<Pkce> {
  const verifier = oauth.generateRandomCodeVerifier();
  return { verifier, challenge: await oauth.calculatePKCECodeChallenge(verifier) };
}

/** An authorization request built by hand (for the negative tests, where the libraries would refuse). */
export function authorizeUrl(params: Record<string, string | undefined>): URL {
  const url = new URL("/oauth/authorize", ISSUER);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url;
}

export type AuthorizationResult = {
  /** Where the server finally sent the browser: the client's redirect URI with code/state/iss (or error). */
  callback: URL;
  /** The consent page HTML, when consent was asked (a remembered grant skips it). */
  consentHtml?: string;
};

/**
 * The browser's part of the authorization-code flow, over HTTP with the
 * user's portal session: follow redirects by hand (carrying the cookies the
 * provider sets), let the login prompt finish from the portal session, submit
 * the consent form, and stop at the first redirect that leaves the issuer.
 */
export async function authorize(
  user: SignedIn,
  url: URL | string,
  decision: "allow" | "deny" = "allow",
): Promise<AuthorizationResult> {
  let res = await user.request.get(url.toString(), { maxRedirects: 0 });
  let consentHtml: string | undefined;
  for (let hop = 0; hop < 12; hop++) {
    const status = res.status();
    if (status >= 300 && status < 400) {
      const location = res.headers()["location"];
      if (!location) throw new Error(`redirect ${status} without Location`);
      const next = new URL(location, ISSUER);
      if (next.origin !== new URL(ISSUER).origin) return { callback: next, consentHtml };
      res = await user.request.get(next.toString(), { maxRedirects: 0 });
      continue;
    }
    const text = await res.text();
    const form = /<form[^>]*action="(\/oauth\/consent\/[A-Za-z0-9_-]+\/confirm)"/.exec(text);
    if (status === 200 && form) {
      consentHtml = text;
      res = await user.request.post(new URL(form[1], ISSUER).toString(), {
        form: { decision },
        headers: { origin: ISSUER },
        maxRedirects: 0,
      });
      continue;
    }
    // The provider's self-submitting form (ending the previous user's session when
    // another one signs in): a browser posts it by script; post its hidden fields.
    const autoPost = /<form method="post" action="([^"]+)">/.exec(text);
    if (status === 200 && autoPost && text.includes("document.forms[0].submit()")) {
      const fields = Object.fromEntries(
        [...text.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\s*\/?>/g)].map((m) => [m[1], m[2]]),
      );
      res = await user.request.post(new URL(autoPost[1], ISSUER).toString(), {
        form: fields,
        headers: { origin: ISSUER },
        maxRedirects: 0,
      });
      continue;
    }
    throw new Error(`authorization flow stopped at ${status} ${res.url()}: ${text.slice(0, 500)}`);
  }
  throw new Error("authorization flow: too many redirects");
}

// ---------------------------------------------------------------- openid-client

/** openid-client's authorization URL for the code flow: our redirect URI, `scope`, PKCE S256 from `verifier`. */
export async function codeFlowUrl(
  config: oidc.Configuration,
  verifier: string,
  scope: string,
  extra: Record<string, string> = {},
): Promise<URL> {
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope,
    ...extra,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
  });
}

/** openid-client configuration by discovery; confidential clients authenticate with client_secret_basic by default. */
export async function openidClient(
  client: { clientId: string; clientSecret?: string },
  auth?: oidc.ClientAuth,
): Promise<oidc.Configuration> {
  const method = auth ?? (client.clientSecret ? oidc.ClientSecretBasic(client.clientSecret) : oidc.None());
  return oidc.discovery(new URL(ISSUER), client.clientId, undefined, method, {
    execute: [oidc.allowInsecureRequests],
  });
}

// ---------------------------------------------------------------- oauth4webapi

/** Options every oauth4webapi request needs here: the issuer is plain http on loopback. */
export const INSECURE = { [oauth.allowInsecureRequests]: true } as const;

/** RFC 8414 discovery (/.well-known/oauth-authorization-server), issuer validated by the library. */
export async function authorizationServer(): Promise<oauth.AuthorizationServer> {
  const issuer = new URL(ISSUER);
  const res = await oauth.discoveryRequest(issuer, { algorithm: "oauth2", ...INSECURE });
  return oauth.processDiscoveryResponse(issuer, res);
}

// ---------------------------------------------------------------- the data plane

export type TokenVerdict = {
  valid: boolean;
  code: string;
  clientId?: string;
  sub?: string;
  orgId?: string | null;
  scopes?: string[];
  audience?: string[];
  missingScopes?: string[];
};

export async function verifyToken(request: APIRequestContext, token: string, scopes?: string[]): Promise<TokenVerdict> {
  const res = await request.post("/v1/verify", { data: { token, ...(scopes ? { scopes } : {}) } });
  expect(res.status()).toBe(200);
  return (await res.json()) as TokenVerdict;
}

export async function authz(request: APIRequestContext, token: string, scopes?: string) {
  const res = await request.get("/authz", {
    headers: { authorization: `Bearer ${token}`, ...(scopes ? { "x-required-scopes": scopes } : {}) },
  });
  return { status: res.status(), headers: res.headers() };
}

/** Revocation reaches the data plane within a second (same process: at once; other processes: NOTIFY). */
export async function expectRevoked(request: APIRequestContext, token: string): Promise<void> {
  await expect
    .poll(async () => (await verifyToken(request, token)).code, { timeout: 1_000, intervals: [50] })
    .toBe("REVOKED");
  expect((await authz(request, token)).status).toBe(401);
}

export function decodeJwt(token: string): { header: Record<string, unknown>; payload: Record<string, unknown> } {
  const [h, p] = token.split(".");
  return {
    header: JSON.parse(Buffer.from(h, "base64url").toString("utf8")) as Record<string, unknown>,
    payload: JSON.parse(Buffer.from(p, "base64url").toString("utf8")) as Record<string, unknown>,
  };
}

// ---------------------------------------------------------------- raw HTTP

/** A raw form POST to an OAuth endpoint (for what the libraries would refuse to send). */
export async function postForm(
  path: string,
  form: Record<string, string>,
  basic?: { clientId: string; clientSecret: string },
): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/x-www-form-urlencoded" };
  if (basic) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(basic.clientId)}:${enc(basic.clientSecret)}`).toString("base64")}`;
  }
  return fetch(new URL(path, ISSUER), { method: "POST", headers, body: new URLSearchParams(form) });
}

// ---------------------------------------------------------------- the real signing key

/**
 * The server's active private signing key, read from its database and
 * unsealed with the e2e GATEHOUSE_SECRET — only possible when the run uses
 * TEST_DATABASE_URL (the embedded database serves one connection, the
 * server's). Lets a test mint tokens with a valid signature but wrong claims,
 * which is the only way to prove the data plane checks typ, iss, aud and exp
 * on its own (a forged signature fails before any of them is looked at).
 */
export async function serverSigningKey(): Promise<{ kid: string; key: CryptoKey } | undefined> {
  const url = process.env.E2E_DATABASE_URL;
  const secret = process.env.E2E_GATEHOUSE_SECRET;
  if (!url || !secret) return undefined;
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    const { rows } = await db.query<{ kid: string; sealed: string }>(
      "SELECT kid, private_jwk_encrypted AS sealed FROM signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC LIMIT 1",
    );
    if (!rows[0]) return undefined;
    // lib/oauth/signing-keys.ts: AES-256-GCM (iv 12 | tag 16 | body) under HKDF(secret, "signing-keys").
    const sealingKey = Buffer.from(hkdfSync("sha256", secret, "gatehouse", "signing-keys", 32));
    const raw = Buffer.from(rows[0].sealed, "base64url");
    const decipher = createDecipheriv("aes-256-gcm", sealingKey, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    const jwk = JSON.parse(
      Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"),
    ) as JWK;
    return { kid: rows[0].kid, key: (await importJWK(jwk, "ES256")) as CryptoKey };
  } finally {
    await db.end();
  }
}
