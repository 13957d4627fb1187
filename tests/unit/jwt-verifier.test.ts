import { exportJWK, generateKeyPair, SignJWT, type JWK } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { JwtVerifier, looksLikeJwt, type Revocation } from "../../lib/access/jwt";

const ISS = "https://gatehouse.test";
const AUD = "https://gatehouse.test/api";
let privateKey: CryptoKey;
let publicJwk: JWK;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair("ES256", { extractable: true });
  privateKey = pair.privateKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: "k1", alg: "ES256", use: "sig" };
  otherKey = (await generateKeyPair("ES256")).privateKey;
});

function claims(over: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: ISS,
    aud: AUD,
    sub: "user_1",
    client_id: "gc_1",
    scope: "read:profile",
    jti: `j${Math.random()}`,
    iat: now,
    exp: now + 600,
    gid: "g1",
    org_id: "o1",
    ...over,
  };
}

async function sign(
  over: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
  key: CryptoKey = privateKey,
) {
  return new SignJWT(claims(over)).setProtectedHeader({ alg: "ES256", typ: "at+jwt", kid: "k1", ...header }).sign(key);
}

function b64(o: unknown) {
  return Buffer.from(JSON.stringify(o)).toString("base64url");
}

async function verifier(revocations: Revocation[] = []) {
  const v = new JwtVerifier({
    issuer: ISS,
    audience: AUD,
    loadKeys: async () => [publicJwk],
    loadRevocations: async () => revocations,
  });
  await v.init();
  return v;
}

describe("JwtVerifier", () => {
  it("accepts our own at+jwt and exposes its identity; caches it", async () => {
    const v = await verifier();
    const token = await sign();
    const d = await v.verify(token, ["read:profile"]);
    expect(d).toMatchObject({
      allow: true,
      code: "VALID",
      token: { clientId: "gc_1", sub: "user_1", orgId: "o1", grantId: "g1", scopes: ["read:profile"] },
    });
    expect(v.peek(token, [], Date.now())?.code).toBe("VALID");
    expect(looksLikeJwt(token)).toBe(true);
    expect(looksLikeJwt("gk_live_abc")).toBe(false);
  });

  it("a cached token's signature on another header.payload is no cache hit: it is verified, and refused", async () => {
    const v = await verifier();
    const token = await sign({ scope: "read:profile" });
    expect((await v.verify(token)).code).toBe("VALID");
    const [header, payload, signature] = token.split(".");
    const claimsOf = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
    // The same signature, with more scopes claimed; and with the payload one character shorter or longer.
    const forged = [
      `${header}.${b64({ ...claimsOf, scope: "read:profile delete:user" })}.${signature}`,
      `${header}.${payload.slice(0, -1)}.${signature}`,
      `${header}.${payload}A.${signature}`,
    ];
    for (const t of forged) {
      expect(v.peek(t, [], Date.now())).toBeUndefined();
      expect((await v.verify(t)).code).toBe("INVALID_TOKEN");
    }
    // The real token is still cached.
    expect(v.peek(token, [], Date.now())?.code).toBe("VALID");
  });

  it("expired cached tokens are swept out on a later insert", async () => {
    const v = await verifier();
    const short = await sign({ exp: Math.floor(Date.now() / 1000) + 2 });
    expect((await v.verify(short)).code).toBe("VALID");
    expect(v.peek(short, [], Date.now())?.code).toBe("VALID");
    // Judged expired from the cache right away once its time has passed…
    expect(v.peek(short, [], Date.now() + 3_000)?.code).toBe("EXPIRED");
    // …and gone after the next insert more than a minute on.
    expect((await v.verify(await sign(), [], Date.now() + 61_000)).code).toBe("VALID");
    expect(v.peek(short, [], Date.now())).toBeUndefined();
  });

  it("INSUFFICIENT_SCOPE and EXPIRED (also from the cache once time passes)", async () => {
    const v = await verifier();
    const token = await sign();
    expect(await v.verify(token, ["delete:user"])).toMatchObject({
      code: "INSUFFICIENT_SCOPE",
      missingScopes: ["delete:user"],
    });
    expect((await v.verify(token, [], Date.now() + 601_000)).code).toBe("EXPIRED");
    const old = await sign({ iat: 1, exp: 2 });
    expect((await v.verify(old)).code).toBe("EXPIRED");
  });

  it("REVOKED by grant, client or jti — also for an already cached token", async () => {
    const v = await verifier([{ kind: "client", value: "gc_dead", expiresAt: Date.now() + 60_000 }]);
    expect((await v.verify(await sign({ client_id: "gc_dead" }))).code).toBe("REVOKED");
    const token = await sign({ gid: "g2", jti: "jti-2" });
    expect((await v.verify(token)).code).toBe("VALID");
    v.addRevocation({ kind: "grant", value: "g2", expiresAt: Date.now() + 60_000 });
    expect((await v.verify(token)).code).toBe("REVOKED");
    const t3 = await sign({ jti: "jti-3" });
    expect((await v.verify(t3)).code).toBe("VALID");
    v.addRevocation({ kind: "jti", value: "jti-3", expiresAt: Date.now() + 60_000 });
    expect(v.peek(t3, [], Date.now())?.code).toBe("REVOKED");
  });

  it("rejects hostile tokens", async () => {
    const v = await verifier();
    const body = b64(claims());
    const none = `${b64({ alg: "none", typ: "at+jwt", kid: "k1" })}.${body}.`;
    const { createHmac } = await import("node:crypto");
    const hsHeader = b64({ alg: "HS256", typ: "at+jwt", kid: "k1" });
    const hs = `${hsHeader}.${body}.${createHmac("sha256", JSON.stringify(publicJwk)).update(`${hsHeader}.${body}`).digest("base64url")}`;
    const attackerJwk = await exportJWK((await generateKeyPair("ES256", { extractable: true })).publicKey);
    const cases: [string, string][] = [
      ["alg none", none],
      ["HS256 with our public key", hs],
      ["embedded jwk", await sign({}, { jwk: attackerJwk }, otherKey)],
      ["jku", await sign({}, { jku: "https://evil.example/jwks" }, otherKey)],
      ["x5u", await sign({}, { x5u: "https://evil.example/cert" })],
      ["unknown kid", await sign({}, { kid: "nope" }, otherKey)],
      ["signed by another key", await sign({}, {}, otherKey)],
      ["typ JWT", await sign({}, { typ: "JWT" })],
      ["wrong audience", await sign({ aud: "https://other.example" })],
      ["wrong issuer", await sign({ iss: "https://evil.example" })],
      ["no client_id", await sign({ client_id: undefined })],
    ];
    for (const [name, token] of cases) {
      const d = await v.verify(token);
      expect(d.allow, name).toBe(false);
      expect(["INVALID_TOKEN", "MALFORMED"], name).toContain(d.code);
    }
    expect((await v.verify("eyJhbGciOi.not-json.x")).code).toBe("MALFORMED");
  });

  it("picks up a rotated key on an unknown kid (rate-limited reload)", async () => {
    let keys: JWK[] = [];
    const v = new JwtVerifier({
      issuer: ISS,
      audience: AUD,
      loadKeys: async () => keys,
      loadRevocations: async () => [],
    });
    await v.init();
    keys = [publicJwk];
    const token = await sign();
    expect((await v.verify(token)).code).toBe("INVALID_TOKEN"); // reloaded <5 s ago: not yet
    await v.reloadKeys();
    expect((await v.verify(token)).code).toBe("VALID");
  });
});
