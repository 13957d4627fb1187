// The OAuth 2.0 authorization server: oidc-provider (OpenID Certified) with
// Gatehouse's storage, keys, clients and consent. Protocol work — PKCE, code
// and refresh-token handling, client authentication, introspection,
// revocation, metadata — stays in the library; this file only configures it.
import type { JWK } from "jose";
import Provider, { errors, interactionPolicy, type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import { hashSecret } from "../credentials/format";
import type { PrismaClient } from "../generated/prisma/client";
import { deriveSecret } from "../secrets";
import { createAdapterFactory, hashesEqual, type ClientMetadata } from "./adapter";
import { portalUser } from "./portal-session";
import { SIGNING_ALG } from "./signing-keys";

export const OAUTH_PREFIX = "/oauth";
export const ACCESS_TOKEN_TTL = 600;

export type OAuthOptions = {
  issuer: string;
  audience: string;
  prisma: PrismaClient;
  jwks: { keys: JWK[] };
  secret: string;
};

export const OAUTH_ROUTES = {
  authorization: `${OAUTH_PREFIX}/authorize`,
  token: `${OAUTH_PREFIX}/token`,
  jwks: `${OAUTH_PREFIX}/jwks`,
  introspection: `${OAUTH_PREFIX}/introspect`,
  revocation: `${OAUTH_PREFIX}/revoke`,
  userinfo: `${OAUTH_PREFIX}/userinfo`,
  end_session: `${OAUTH_PREFIX}/logout`,
  pushed_authorization_request: `${OAUTH_PREFIX}/par`,
  registration: `${OAUTH_PREFIX}/register`,
  code_verification: `${OAUTH_PREFIX}/device`,
  device_authorization: `${OAUTH_PREFIX}/device/auth`,
  backchannel_authentication: `${OAUTH_PREFIX}/backchannel`,
  challenge: `${OAUTH_PREFIX}/challenge`,
  credential: `${OAUTH_PREFIX}/credential`,
} as const;

/**
 * The library's prompts, plus one login check: the provider's own session must
 * belong to whoever is signed in to the portal now. Without it, after a
 * portal sign-out — or another user signing in on the same browser — the
 * provider session (and a remembered grant) would still issue codes for the
 * previous user, with no interaction at all.
 */
function interactionPolicyFor(prisma: PrismaClient) {
  const { Check } = interactionPolicy;
  const policy = interactionPolicy.base();
  policy.get("login")!.checks.add(
    new Check(
      "portal_session_changed",
      "The portal session is not the provider session's",
      "login_required",
      async (ctx) => {
        const accountId = ctx.oidc.session?.accountId;
        if (!accountId) return Check.NO_NEED_TO_PROMPT; // "no_session" asks for the login already
        const user = await portalUser(ctx.req, prisma);
        return user?.id === accountId ? Check.NO_NEED_TO_PROMPT : Check.REQUEST_PROMPT;
      },
    ),
  );
  return policy;
}

export function createOAuthProvider(opts: OAuthOptions): Provider {
  const { prisma, audience } = opts;
  const configuration: Configuration = {
    adapter: createAdapterFactory(prisma),
    jwks: opts.jwks as Configuration["jwks"],
    clients: [],
    routes: OAUTH_ROUTES,
    // Only authorization code (+PKCE), client credentials and refresh tokens.
    responseTypes: ["code"],
    clientAuthMethods: ["client_secret_basic", "client_secret_post", "none"],
    clientDefaults: {
      grant_types: ["authorization_code"],
      response_types: ["code"],
      token_endpoint_auth_method: "client_secret_basic",
      id_token_signed_response_alg: SIGNING_ALG,
    },
    enabledJWA: { idTokenSigningAlgValues: [SIGNING_ALG] },
    pkce: { required: () => true },
    scopes: ["openid", "offline_access"],
    claims: { openid: ["sub"], email: ["email"] },
    cookies: {
      keys: [deriveSecret(opts.secret, "oidc-cookies")],
      long: { signed: true, httpOnly: true, sameSite: "lax" },
      short: { signed: true, httpOnly: true, sameSite: "lax" },
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: {
        enabled: true,
        // Only the token's own client learns about it (RFC 7662 §4), as for JWTs in
        // endpoint-guards.ts; the library's default lets any confidential client —
        // of any organization — introspect any refresh token.
        allowedPolicy: (ctx, client, token) => token.clientId === client.clientId,
      },
      // A client may revoke only its own tokens, and is told so (RFC 7009 §2.1); a public
      // client (no authentication to trust) just gets the empty 200.
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === "none") return false;
          throw new errors.InvalidRequest("client is not authorized to revoke the presented token");
        },
      },
      userinfo: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => audience,
        useGrantedResource: () => true,
        // Least privilege: a token for the API carries at most the client's allowed scopes.
        getResourceServerInfo: (_ctx: KoaContextWithOIDC, resource: string, client) => {
          if (resource !== audience) throw new errors.InvalidTarget(`unknown resource ${resource}`);
          return {
            audience: resource,
            scope: ((client as unknown as ClientMetadata).allowed_scopes ?? []).join(" "),
            accessTokenFormat: "jwt",
            accessTokenTTL: ACCESS_TOKEN_TTL,
            jwt: { sign: { alg: SIGNING_ALG } },
          };
        },
      },
    },
    // RFC 9068 claims come from the library; we add the grant id (for revocation)
    // and the client's organization (for the identity headers at the gateway).
    extraTokenClaims: async (ctx, token) => {
      const client = ctx.oidc.client as unknown as { org_id?: string } | undefined;
      const grantId = (token as { grantId?: string }).grantId;
      return { ...(grantId ? { gid: grantId } : {}), ...(client?.org_id ? { org_id: client.org_id } : {}) };
    },
    extraClientMetadata: {
      properties: ["org_id", "allowed_scopes", "previous_secret_hash", "previous_secret_expires_at"],
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    interactions: {
      policy: interactionPolicyFor(prisma),
      url: (_ctx, interaction) => `${OAUTH_PREFIX}/consent/${interaction.uid}`,
    },
    findAccount: async (_ctx, sub) => {
      const user = await prisma.user.findUnique({
        where: { id: sub },
        select: { id: true, email: true, status: true },
      });
      if (!user || user.status !== "active") return undefined;
      return { accountId: user.id, claims: async () => ({ sub: user.id, email: user.email }) };
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_TTL,
      ClientCredentials: ACCESS_TOKEN_TTL,
      AuthorizationCode: 60,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: 30 * 24 * 3600,
      RefreshToken: 30 * 24 * 3600,
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      const esc = (s: unknown) => String(s ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
      ctx.body = `<!doctype html><html><head><title>Authorization error</title></head><body style="font-family:sans-serif;max-width:40rem;margin:4rem auto"><h1>Authorization failed</h1><p><code>${esc(out.error)}</code>: ${esc(out.error_description)}</p></body></html>`;
    },
  };

  const provider = new Provider(opts.issuer, configuration);

  // Client secrets are stored as SHA-256 (they are high-entropy; a password KDF
  // would cap the token endpoint at tens of requests per second). The library
  // compares `client_secret` itself, so we teach it to compare hashes — in
  // constant time — and to accept the previous secret during a rotation's grace.
  provider.Client.prototype.compareClientSecret = function compareClientSecret(
    this: ClientMetadata & { clientSecret?: string },
    actual: string,
  ) {
    if (typeof actual !== "string" || !this.clientSecret) return false;
    const presented = hashSecret(actual);
    if (hashesEqual(this.clientSecret, presented)) return true;
    const prev = this.previous_secret_hash;
    const until = this.previous_secret_expires_at;
    return Boolean(prev && until && until > Date.now() / 1000 && hashesEqual(prev, presented));
  } as never;

  return provider;
}
