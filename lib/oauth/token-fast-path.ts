// A fast path for the token endpoint's hot case: client_credentials with a
// client secret. Measured here, oidc-provider spends ~600 µs of CPU per
// client_credentials token (its Koa middleware chain, AsyncLocalStorage,
// WebCrypto ES256) — ~1.5k tokens/s on one core, where issue 3 asks for
// ≥ 5,000. This path answers only requests it can answer exactly as the
// library would (same claims, same response, same headers — a test compares
// them) and hands everything else to the library unchanged: any other grant,
// any unknown or repeated parameter, DPoP, assertions, a client that isn't
// allowed the grant, a wrong or missing secret, a throttled client, a
// resource other than ours. Errors are therefore always the library's.
import { createPrivateKey, randomFillSync, sign, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseQuery } from "node:querystring";
import type { JWK } from "jose";
import { answerLater } from "../access/write-batch";
import { hashSecret } from "../credentials/format";
import { hashesEqual, type ClientMetadata } from "./adapter";
import { ACCESS_TOKEN_TTL } from "./provider";
import { SIGNING_ALG } from "./signing-keys";

export type TokenSigner = { kid: string; key: KeyObject; header: string };

/** The key oidc-provider signs with: the first of its JWKS (newest active key). */
export function signerFrom(jwks: { keys: JWK[] }): TokenSigner | undefined {
  const jwk = jwks.keys.find((k) => k.alg === SIGNING_ALG && k.d);
  if (!jwk?.kid) return undefined;
  const key = createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
  const header = Buffer.from(JSON.stringify({ alg: SIGNING_ALG, typ: "at+jwt", kid: jwk.kid })).toString("base64url");
  return { kid: jwk.kid, key, header };
}

export type FastPathDeps = {
  issuer: string;
  audience: string;
  /** The adapter's cached client lookup (lib/oauth/adapter.ts). */
  findClient: (clientId: string) => Promise<ClientMetadata | undefined>;
  /** The current signer; undefined → always defer to the library. */
  signer: () => TokenSigner | undefined;
  /** True while (client, IP) is throttled for wrong secrets: the library's guard answers then. */
  throttled: (clientId: string, req: IncomingMessage) => Promise<boolean>;
};

const SECRET_METHODS = new Set(["client_secret_basic", "client_secret_post"]);
const ALLOWED_PARAMS = new Set(["grant_type", "scope", "resource", "client_id", "client_secret"]);

// The library's response headers, as a raw list (content-length appended per answer).
const RESPONSE_HEADERS = [
  "content-type",
  "application/json; charset=utf-8",
  "cache-control",
  "no-store",
  "access-control-allow-origin",
  "*",
  "access-control-expose-headers",
  "WWW-Authenticate",
  "vary",
  "Origin",
];

// jti values: 32 CSPRNG bytes each (43 base64url characters, as the library's),
// taken from a pool filled 128 tokens at a time — one randomBytes() call per
// token cost ~4 % of the endpoint's CPU (bench/README.md, session 11). Each
// byte is used once; a jti is public (it is in the token) and the pool holds
// no secret.
const JTI_BYTES = 32;
const jtiPool = Buffer.alloc(JTI_BYTES * 128);
let jtiOffset = jtiPool.length;

function newJti(): string {
  if (jtiOffset === jtiPool.length) {
    randomFillSync(jtiPool);
    jtiOffset = 0;
  }
  const jti = jtiPool.toString("base64url", jtiOffset, jtiOffset + JTI_BYTES);
  jtiOffset += JTI_BYTES;
  return jti;
}

/** RFC 6749 §2.3.1: Basic credentials are form-urlencoded before base64. */
function basicCredentials(header: string): { id: string; secret: string } | null {
  if (!/^basic /i.test(header)) return null;
  const decoded = Buffer.from(header.slice(6).trim(), "base64").toString("utf8");
  const i = decoded.indexOf(":");
  if (i <= 0) return null;
  try {
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, "%20"));
    return { id: dec(decoded.slice(0, i)), secret: dec(decoded.slice(i + 1)) };
  } catch {
    return null;
  }
}

function secretMatches(client: ClientMetadata, secret: string): boolean {
  if (!client.client_secret) return false;
  const presented = hashSecret(secret);
  if (hashesEqual(client.client_secret, presented)) return true;
  const prev = client.previous_secret_hash;
  const until = client.previous_secret_expires_at;
  return Boolean(prev && until && until > Date.now() / 1000 && hashesEqual(prev, presented));
}

/**
 * Answers the request and resolves true, or resolves false having written
 * nothing (the caller then hands the request — body in `req.body` — to the library).
 */
export async function tryClientCredentials(
  deps: FastPathDeps,
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
): Promise<boolean> {
  const signer = deps.signer();
  if (!signer || req.headers.dpop !== undefined) return false;
  const params = parseQuery(body);
  if (params.grant_type !== "client_credentials") return false;
  for (const [name, value] of Object.entries(params)) {
    if (!ALLOWED_PARAMS.has(name) || typeof value !== "string") return false;
  }
  const scopeParam = params.scope as string | undefined;
  const resource = params.resource as string | undefined;
  if (resource !== undefined && resource !== deps.audience) return false;

  // Exactly one authentication method. The library accepts client_secret_basic
  // and client_secret_post interchangeably for clients registered with either.
  let id: string;
  let secret: string;
  const auth = req.headers.authorization;
  if (auth !== undefined) {
    const basic = basicCredentials(auth);
    if (!basic || params.client_id !== undefined || params.client_secret !== undefined) return false;
    ({ id, secret } = basic);
  } else {
    if (typeof params.client_id !== "string" || typeof params.client_secret !== "string") return false;
    id = params.client_id;
    secret = params.client_secret;
  }
  const client = await deps.findClient(id);
  if (!client || !SECRET_METHODS.has(client.token_endpoint_auth_method as string)) return false;
  if (!(client.grant_types as string[] | undefined)?.includes("client_credentials")) return false;
  if (await deps.throttled(id, req)) return false;
  if (!secretMatches(client, secret)) return false;

  // As the library: requested scopes, in order, kept when the client may hold them.
  const allowed = new Set(client.allowed_scopes);
  const scopes = scopeParam ? [...new Set(scopeParam.split(" "))].filter((s) => allowed.has(s)) : [];
  const scope = scopes.length > 0 ? scopes.join(" ") : undefined;

  // Claims in the library's order. Absent ones are undefined, which
  // JSON.stringify leaves out: one object shape for every token (conditional
  // spreads made a new shape per combination, and V8 took its slow paths to
  // build and to serialize them: ~6 % of the endpoint's CPU).
  const iat = Math.floor(Date.now() / 1000);
  const claims = {
    org_id: client.org_id || undefined,
    jti: newJti(),
    sub: client.client_id,
    iat,
    exp: iat + ACCESS_TOKEN_TTL,
    scope,
    client_id: client.client_id,
    iss: deps.issuer,
    aud: deps.audience,
  };
  const input = `${signer.header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}`;
  const signature = sign("sha256", Buffer.from(input), { key: signer.key, dsaEncoding: "ieee-p1363" });
  const text = JSON.stringify({
    access_token: `${input}.${signature.toString("base64url")}`,
    expires_in: ACCESS_TOKEN_TTL,
    scope,
    token_type: "Bearer",
  });
  // Written with the other answers of this event-loop turn, as the data plane's (lib/access/write-batch.ts).
  answerLater(res, 200, [...RESPONSE_HEADERS, "content-length", String(Buffer.byteLength(text))], text);
  return true;
}

const BODY_LIMIT = 56 * 1024; // the library's own limit

/**
 * POST /oauth/token: the fast path when it applies, else the library — which
 * then reads the already-consumed body from `req.body`, as it does behind a
 * body-parsing framework.
 */
export async function handleTokenRequest(
  deps: FastPathDeps,
  req: IncomingMessage & { body?: string },
  res: ServerResponse,
  library: (req: IncomingMessage, res: ServerResponse) => unknown,
): Promise<"fast" | "library"> {
  const length = Number(req.headers["content-length"] ?? NaN);
  const form = /^application\/x-www-form-urlencoded/i.test(req.headers["content-type"] ?? "");
  if (form && length <= BODY_LIMIT) {
    req.body = await readBody(req);
    if (await tryClientCredentials(deps, req, res, req.body)) return "fast";
  }
  await library(req, res);
  return "library";
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
