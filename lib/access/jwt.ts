// Data-plane verification of Gatehouse-issued JWT access tokens (RFC 9068):
// signature against our own published keys, typ, iss, aud, exp, then the
// revocation denylist (grant, client, jti) and scopes. A verified token is
// cached until it expires — uncached ES256 verification costs ~6× the cached
// path — while expiry and revocation are checked on every request.
//
// The cache key is the SHA-256 of the token's signature segment, and the
// entry keeps the token's signed part (header.payload) to compare on a hit: a
// hit needs both parts equal, exactly as a hash of the whole token would, but
// hashes ~90 bytes instead of ~600 (the hash was the largest cost of a cached
// verification). Neither form keeps a usable token in memory: the signature
// is only hashed, and header.payload without it is no credential.
import { hash } from "node:crypto";
import { decodeProtectedHeader, errors as joseErrors, importJWK, jwtVerify, type JWK } from "jose";
import { LRUCache } from "lru-cache";
import { missingScopes } from "../policy/scopes";

export type TokenRecord = {
  jti: string;
  clientId: string;
  sub: string;
  orgId: string | null;
  grantId: string | null;
  scopes: readonly string[];
  scopeSet: ReadonlySet<string>;
  audience: readonly string[];
  expiresAt: number;
};

export type TokenDecisionCode = "VALID" | "MALFORMED" | "INVALID_TOKEN" | "EXPIRED" | "REVOKED" | "INSUFFICIENT_SCOPE";

export type TokenDecision =
  | { allow: true; code: "VALID"; token: TokenRecord }
  | { allow: false; code: Exclude<TokenDecisionCode, "VALID">; token?: TokenRecord; missingScopes?: string[] };

export type Revocation = { kind: "grant" | "client" | "jti"; value: string; expiresAt: number };

export type JwtVerifierOptions = {
  issuer: string;
  audience: string;
  loadKeys: () => Promise<JWK[]>;
  loadRevocations: () => Promise<Revocation[]>;
  cacheSize?: number;
};

type VerifyKey = Awaited<ReturnType<typeof importJWK>>;

/** Three base64url segments, the first a JSON object: cheap shape test before any crypto. */
export function looksLikeJwt(value: string): boolean {
  const first = value.indexOf(".");
  const second = first === -1 ? -1 : value.indexOf(".", first + 1);
  return value.startsWith("eyJ") && second !== -1 && value.indexOf(".", second + 1) === -1;
}

const FORBIDDEN_HEADERS = ["jwk", "jku", "x5u", "x5c", "crit"] as const;
const KEY_RELOAD_INTERVAL_MS = 5_000;

export class JwtVerifier {
  private keys = new Map<string, VerifyKey>();
  private readonly revoked = new Map<string, number>();
  // No per-entry TTL (judge() refuses expired tokens itself, and a TTL would
  // add a clock read to every hit): expired entries are swept on insert.
  private readonly cache: LRUCache<string, CachedToken>;
  private lastKeyLoad = 0;
  private lastSweep = Date.now();

  constructor(private readonly opts: JwtVerifierOptions) {
    this.cache = new LRUCache<string, CachedToken>({ max: opts.cacheSize ?? 100_000 });
  }

  private cached(token: string, key: string, dot: number): TokenRecord | undefined {
    const hit = this.cache.get(key);
    // Same signature, other header.payload: not this token (verified in full, it fails).
    if (!hit || hit.signed.length !== dot || token.slice(0, dot) !== hit.signed) return undefined;
    return hit.record;
  }

  private remember(token: string, key: string, dot: number, record: TokenRecord, now: number): void {
    if (now - this.lastSweep > SWEEP_INTERVAL_MS) {
      this.lastSweep = now;
      const expired: string[] = [];
      for (const [k, e] of this.cache.entries()) if (e.record.expiresAt <= now) expired.push(k);
      for (const k of expired) this.cache.delete(k);
    }
    // A copy, not a slice: a slice would keep the whole token (signature included) alive in memory.
    const signed = Buffer.from(token.slice(0, dot), "latin1").toString("latin1");
    if (record.expiresAt > now) this.cache.set(key, { signed, record });
  }

  async init(): Promise<void> {
    await this.reloadKeys();
    for (const r of await this.opts.loadRevocations()) this.addRevocation(r);
  }

  async reloadKeys(): Promise<void> {
    this.lastKeyLoad = Date.now();
    const next = new Map<string, VerifyKey>();
    for (const jwk of await this.opts.loadKeys()) {
      if (jwk.kid && jwk.kty === "EC" && jwk.crv === "P-256") next.set(jwk.kid, await importJWK(jwk, "ES256"));
    }
    this.keys = next;
  }

  addRevocation(r: Revocation): void {
    if (r.expiresAt <= Date.now()) return;
    this.revoked.set(`${r.kind}:${r.value}`, r.expiresAt);
    if (this.revoked.size > 50_000) this.pruneRevocations();
  }

  private pruneRevocations(): void {
    const now = Date.now();
    for (const [k, exp] of this.revoked) if (exp <= now) this.revoked.delete(k);
  }

  private isRevoked(t: TokenRecord): boolean {
    if (this.revoked.size === 0) return false;
    return (
      this.revoked.has(`jti:${t.jti}`) ||
      this.revoked.has(`client:${t.clientId}`) ||
      (t.grantId !== null && this.revoked.has(`grant:${t.grantId}`))
    );
  }

  private judge(t: TokenRecord, required: readonly string[], now: number): TokenDecision {
    if (t.expiresAt <= now) return { allow: false, code: "EXPIRED", token: t };
    if (this.isRevoked(t)) return { allow: false, code: "REVOKED", token: t };
    if (required.length > 0) {
      const missing = missingScopes(t.scopeSet, required);
      if (missing.length > 0) return { allow: false, code: "INSUFFICIENT_SCOPE", token: t, missingScopes: missing };
    }
    return { allow: true, code: "VALID", token: t };
  }

  /** Cache lookup only (the hot path); undefined when the token must be verified. */
  peek(token: string, required: readonly string[], now: number): TokenDecision | undefined {
    const dot = token.lastIndexOf(".");
    const hit = this.cached(token, cacheKey(token, dot), dot);
    return hit ? this.judge(hit, required, now) : undefined;
  }

  async verify(token: string, required: readonly string[] = [], now = Date.now()): Promise<TokenDecision> {
    const dot = token.lastIndexOf(".");
    const entryKey = cacheKey(token, dot);
    const hit = this.cached(token, entryKey, dot);
    if (hit) return this.judge(hit, required, now);

    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(token);
    } catch {
      return { allow: false, code: "MALFORMED" };
    }
    // Only our own keys, only ES256, only access tokens: no key material or key URLs from the token itself.
    if (FORBIDDEN_HEADERS.some((h) => h in header) || header.alg !== "ES256" || typeof header.kid !== "string") {
      return { allow: false, code: "INVALID_TOKEN" };
    }
    let key = this.keys.get(header.kid);
    if (!key && Date.now() - this.lastKeyLoad > KEY_RELOAD_INTERVAL_MS) {
      await this.reloadKeys();
      key = this.keys.get(header.kid);
    }
    if (!key) return { allow: false, code: "INVALID_TOKEN" };

    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, key, {
        issuer: this.opts.issuer,
        audience: this.opts.audience,
        algorithms: ["ES256"],
        typ: "at+jwt",
        currentDate: new Date(now),
        requiredClaims: ["exp", "iat", "jti", "client_id", "sub"],
      }));
    } catch (e) {
      if (e instanceof joseErrors.JWTExpired) return { allow: false, code: "EXPIRED" };
      return { allow: false, code: "INVALID_TOKEN" };
    }
    const scopes = typeof payload.scope === "string" ? payload.scope.split(" ").filter(Boolean) : [];
    const record: TokenRecord = {
      jti: String(payload.jti),
      clientId: String(payload.client_id),
      sub: String(payload.sub),
      orgId: typeof payload.org_id === "string" ? payload.org_id : null,
      grantId: typeof payload.gid === "string" ? payload.gid : null,
      scopes,
      scopeSet: new Set(scopes),
      audience: Array.isArray(payload.aud) ? payload.aud.map(String) : [String(payload.aud)],
      expiresAt: Number(payload.exp) * 1000,
    };
    this.remember(token, entryKey, dot, record, now);
    return this.judge(record, required, now);
  }
}

type CachedToken = { signed: string; record: TokenRecord };

const SWEEP_INTERVAL_MS = 60_000;

/** SHA-256 of the signature segment (after the last dot): a Map key, never shown. */
function cacheKey(token: string, dot: number): string {
  return hash("sha256", token.slice(dot + 1), "base64url");
}
