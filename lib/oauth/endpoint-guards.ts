// Middleware around oidc-provider's endpoints (provider.use), for what the
// library leaves to the deployment:
// 1. Wrong client secrets are throttled per (client, IP): an attacker guessing
//    from one address is slowed down, the real client elsewhere is not.
// 2. JWT access tokens aren't stored, so the library refuses their
//    introspection and revocation (unsupported_token_type). We answer both
//    from the data plane's own verifier and denylist (RFC 7662 / RFC 7009),
//    for the token's own, authenticated client.
// 3. What no library route matched gets a JSON answer instead of koa's plain
//    "Not Found": a GET (or any method but POST) on an endpoint that only
//    takes POST is 405 with `Allow: POST` and an RFC 6749 error body; any
//    other unknown /oauth path is 404 in Gatehouse's own error shape.
import type { IncomingMessage } from "node:http";
import type Provider from "oidc-provider";
import type { KoaContextWithOIDC } from "oidc-provider";
import { emitCredentialChange } from "../access/events";
import type { JwtVerifier } from "../access/jwt";
import { CLIENT_IP_HEADER } from "../auth/request-meta";
import type { PrismaClient } from "../generated/prisma/client";
import { errorBody, newRequestId } from "../api/errors";
import { blockedFor, getLimiter, penalize } from "../ratelimit";
import { OAUTH_ROUTES } from "./provider";
import { recordRevocation } from "./revocation";

const AUTHENTICATED = new Set<string>([OAUTH_ROUTES.token, OAUTH_ROUTES.introspection, OAUTH_ROUTES.revocation]);
const POST_ONLY = new Set<string>([...AUTHENTICATED, OAUTH_ROUTES.pushed_authorization_request]);
const CLIENT_AUTH_LIMIT = { name: "oauth-client-auth", points: 10, durationSeconds: 60, blockSeconds: 60 };
const BODY_LIMIT = 56 * 1024;

function basicClientId(header: string | undefined): string | undefined {
  if (!header || !/^basic /i.test(header)) return undefined;
  try {
    const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
    const i = decoded.indexOf(":");
    return i > 0 ? decodeURIComponent(decoded.slice(0, i).replace(/\+/g, "%20")) : undefined;
  } catch {
    return undefined;
  }
}

/** Read a form body up front (only when the client id isn't in a Basic header); the library then uses req.body. */
async function preReadBody(req: IncomingMessage & { body?: string }): Promise<URLSearchParams | undefined> {
  if (!/application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "")) return undefined;
  if (typeof req.body === "string") return new URLSearchParams(req.body); // read already (token fast path)
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > BODY_LIMIT) break;
    chunks.push(chunk as Buffer);
  }
  req.body = Buffer.concat(chunks).toString("utf8");
  return new URLSearchParams(req.body);
}

function clientIpOf(req: IncomingMessage): string {
  return (req.headers[CLIENT_IP_HEADER] as string | undefined) || req.socket.remoteAddress || "unknown";
}

/** Whether wrong secrets have this (client, IP) throttled right now. */
export async function clientAuthThrottled(clientId: string, req: IncomingMessage): Promise<boolean> {
  return (await blockedFor(await getLimiter(CLIENT_AUTH_LIMIT), `${clientId}|${clientIpOf(req)}`)) > 0;
}

export function installEndpointGuards(provider: Provider, deps: { verifier: JwtVerifier; prisma: PrismaClient }) {
  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    await next();
    if (ctx.status !== 404 || ctx.body !== undefined) return;
    if (POST_ONLY.has(ctx.path) && ctx.method !== "POST") {
      ctx.status = 405;
      ctx.set("allow", "POST");
      ctx.set("cache-control", "no-store");
      ctx.body = { error: "invalid_request", error_description: `Use POST for ${ctx.path}.` };
      return;
    }
    ctx.status = 404;
    ctx.body = errorBody(
      "not_found",
      "No such OAuth endpoint (see /.well-known/oauth-authorization-server).",
      newRequestId(),
    );
  });

  provider.use(async (ctx: KoaContextWithOIDC, next) => {
    if (ctx.method !== "POST" || !AUTHENTICATED.has(ctx.path)) return next();

    const req = ctx.req as IncomingMessage & { body?: string };
    let clientId = basicClientId(req.headers.authorization);
    let form: URLSearchParams | undefined;
    if (!clientId) {
      form = await preReadBody(req);
      clientId = form?.get("client_id") ?? undefined;
    }
    // RFC 6749 §5.2 (and RFC 7662 §2.3): "no client authentication included" is
    // invalid_client with 401; the library would answer 400 invalid_request.
    if (!clientId && !req.headers.authorization && !form?.has("client_assertion")) {
      ctx.status = 401;
      ctx.set("cache-control", "no-store");
      ctx.body = { error: "invalid_client", error_description: "Client authentication is required." };
      return;
    }
    const ip = clientIpOf(req);
    const limiter = await getLimiter(CLIENT_AUTH_LIMIT);
    const limitKey = `${clientId ?? "-"}|${ip}`;
    const wait = await blockedFor(limiter, limitKey);
    if (wait > 0) {
      ctx.status = 429;
      ctx.set("retry-after", String(wait));
      ctx.set("cache-control", "no-store");
      ctx.body = { error: "invalid_client", error_description: "Too many failed client authentications. Retry later." };
      return;
    }

    await next();

    const body = ctx.body as { error?: string } | undefined;
    if (ctx.status === 401 && body?.error === "invalid_client") await penalize(limiter, limitKey);

    // The library refuses a JWT (unsupported_token_type) only after it has
    // authenticated the client: only then may we answer for the token. A failed
    // authentication also leaves ctx.oidc.client set, so it is no proof.
    const client = ctx.oidc?.client;
    const token = ctx.oidc?.params?.token as string | undefined;
    if (!client || !token || body?.error !== "unsupported_token_type") return;

    if (ctx.path === OAUTH_ROUTES.introspection) {
      const d = await deps.verifier.verify(token);
      // Only the token's own client learns about it (RFC 7662 §4).
      if (d.allow && d.token.clientId === client.clientId) {
        const t = d.token;
        ctx.status = 200;
        ctx.body = {
          active: true,
          client_id: t.clientId,
          sub: t.sub,
          scope: t.scopes.join(" "),
          aud: t.audience.length === 1 ? t.audience[0] : t.audience,
          exp: Math.floor(t.expiresAt / 1000),
          jti: t.jti,
          token_type: "Bearer",
        };
      } else {
        ctx.status = 200;
        ctx.body = { active: false };
      }
    } else if (ctx.path === OAUTH_ROUTES.revocation) {
      const d = await deps.verifier.verify(token);
      if (d.token && d.token.clientId === client.clientId) {
        const ttl = Math.max(1, Math.ceil((d.token.expiresAt - Date.now()) / 1000));
        const change = await deps.prisma.$transaction((tx) => recordRevocation(tx, "jti", d.token!.jti, ttl));
        emitCredentialChange(change);
      }
      // RFC 7009 §2.2: 200 whether or not the token was valid.
      ctx.status = 200;
      ctx.body = "";
    }
  });
}
