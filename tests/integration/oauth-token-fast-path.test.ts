// The token endpoint's client_credentials fast path (lib/oauth/token-fast-path.ts)
// against oidc-provider itself, on one database: same claims, same response,
// same headers; everything it can't answer exactly goes to the library.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize } from "../../lib/access/authorize";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import { emitCredentialChange } from "../../lib/access/events";
import { hashSecret } from "../../lib/credentials/format";
import { prisma } from "../../lib/db";
import { clientFinder } from "../../lib/oauth/adapter";
import { clientAuthThrottled, installEndpointGuards } from "../../lib/oauth/endpoint-guards";
import { createOAuthProvider, OAUTH_ROUTES } from "../../lib/oauth/provider";
import { ensureSigningKey, loadPrivateJwks, loadPublicJwks } from "../../lib/oauth/signing-keys";
import { handleTokenRequest, signerFrom, type FastPathDeps } from "../../lib/oauth/token-fast-path";
import { createClient } from "../../lib/oauth-clients/create-client";
import { createOAuthClientSchema } from "../../lib/schemas/oauth-clients";
import { createPrincipal, meta } from "../support/factories";

let server: http.Server;
let base: string;
let audience: string;
let dp: DataPlane;
/** Who answered each token request, in order. */
const answeredBy: string[] = [];

beforeAll(async () => {
  process.env.GATEHOUSE_SECRET ??= "fast-path-test-secret-fast-path-test-secret";
  await ensureSigningKey(prisma);
  server = http.createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  audience = `${base}/api`;
  dp = await createDataPlane({ prisma, oauth: { issuer: base, audience } });
  const jwks = await loadPrivateJwks(prisma);
  const provider = createOAuthProvider({ issuer: base, audience, prisma, jwks, secret: process.env.GATEHOUSE_SECRET! });
  installEndpointGuards(provider, { verifier: dp.jwt, prisma });
  const library = provider.callback() as http.RequestListener;
  const signer = signerFrom(jwks);
  const deps: FastPathDeps = {
    issuer: base,
    audience,
    findClient: clientFinder(prisma),
    signer: () => signer,
    throttled: clientAuthThrottled,
  };
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    // x-library: 1 → straight to oidc-provider, for side-by-side comparison.
    if (req.url === OAUTH_ROUTES.token && req.method === "POST" && !req.headers["x-library"]) {
      void handleTokenRequest(deps, req, res, library).then((who) => answeredBy.push(who));
    } else void library(req, res);
  });
});
afterAll(async () => {
  server.close();
  await dp.close();
});

type Client = { clientId: string; clientSecret: string };

async function newClient(
  opts: { grantTypes?: string[]; tokenEndpointAuthMethod?: string; scopes?: string[]; redirectUris?: string[] } = {},
): Promise<Client & { id: string }> {
  const p = await createPrincipal();
  const c = await createClient(
    p,
    createOAuthClientSchema.parse({
      name: "fast path",
      grantTypes: opts.grantTypes ?? ["client_credentials"],
      scopes: opts.scopes ?? ["read:profile", "update:profile"],
      ...(opts.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: opts.tokenEndpointAuthMethod } : {}),
      ...(opts.redirectUris ? { redirectUris: opts.redirectUris } : {}),
    }),
    meta,
  );
  return { id: c.id, clientId: c.clientId, clientSecret: c.clientSecret! };
}

const basic = (c: Client) =>
  "Basic " + Buffer.from(`${encodeURIComponent(c.clientId)}:${encodeURIComponent(c.clientSecret)}`).toString("base64");

async function token(body: string, headers: Record<string, string>, library = false) {
  const before = answeredBy.length;
  const res = await fetch(`${base}${OAUTH_ROUTES.token}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      ...headers,
      ...(library ? { "x-library": "1" } : {}),
    },
    body,
  });
  const json = (await res.json()) as Record<string, unknown>;
  // The handler records who answered right after it did.
  await new Promise((r) => setTimeout(r, 5));
  return { res, json, by: library ? "library-direct" : answeredBy[before] };
}

const claimsOf = (jwt: string) =>
  JSON.parse(Buffer.from(jwt.split(".")[1], "base64url").toString()) as Record<string, unknown>;

describe("client_credentials fast path", () => {
  it("answers exactly like oidc-provider: claims, header, body and headers", async () => {
    const c = await newClient();
    for (const body of [
      "grant_type=client_credentials&scope=read%3Aprofile%20nope%20openid%20update%3Aprofile",
      "grant_type=client_credentials",
      `grant_type=client_credentials&scope=update:profile&resource=${encodeURIComponent(audience)}`,
    ]) {
      const fast = await token(body, { authorization: basic(c) });
      const lib = await token(body, { authorization: basic(c) }, true);
      expect(fast.by).toBe("fast");
      expect(fast.res.status).toBe(200);
      expect(lib.res.status).toBe(200);
      const [f, l] = [fast.json, lib.json];
      expect(Object.keys(f).sort()).toEqual(Object.keys(l).sort());
      expect({ ...f, access_token: "" }).toEqual({ ...l, access_token: "" });
      const [fc, lc] = [claimsOf(f.access_token as string), claimsOf(l.access_token as string)];
      const stable = (x: Record<string, unknown>) => ({
        ...x,
        jti: typeof x.jti,
        iat: typeof x.iat,
        exp: typeof x.exp,
      });
      expect(stable(fc)).toEqual(stable(lc));
      expect(Object.keys(fc)).toEqual(Object.keys(lc));
      expect((fc.exp as number) - (fc.iat as number)).toBe((lc.exp as number) - (lc.iat as number));
      expect(fc.jti).not.toBe(lc.jti);
      expect(decodeProtectedHeader(f.access_token as string)).toEqual(decodeProtectedHeader(l.access_token as string));
      for (const h of [
        "content-type",
        "cache-control",
        "access-control-allow-origin",
        "access-control-expose-headers",
        "vary",
      ]) {
        expect(fast.res.headers.get(h), h).toBe(lib.res.headers.get(h));
      }
    }
  });

  it("its tokens verify against the published JWKS (jose) and at the data plane", async () => {
    const c = await newClient();
    const { json, by } = await token("grant_type=client_credentials&scope=read:profile", { authorization: basic(c) });
    expect(by).toBe("fast");
    const jwks = createLocalJWKSet({ keys: (await loadPublicJwks(prisma)) as JWK[] });
    const { payload, protectedHeader } = await jwtVerify(json.access_token as string, jwks, {
      issuer: base,
      audience,
      typ: "at+jwt",
      algorithms: ["ES256"],
    });
    expect(protectedHeader.typ).toBe("at+jwt");
    expect(payload).toMatchObject({ client_id: c.clientId, sub: c.clientId, scope: "read:profile" });
    const d = await dp.jwt.verify(json.access_token as string, ["read:profile"]);
    expect(d).toMatchObject({ allow: true, code: "VALID" });
  });

  it("answers many requests at once, each with its own token: jti unique across pool refills", async () => {
    const c = await newClient();
    const jtis = new Set<string>();
    const fastBefore = answeredBy.filter((w) => w === "fast").length;
    // 300 tokens, 50 in flight at a time: more than two refills of the 128-token jti pool,
    // and answers queued together in one event-loop turn.
    for (let batch = 0; batch < 6; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 50 }, () =>
          fetch(`${base}${OAUTH_ROUTES.token}`, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded", authorization: basic(c) },
            body: "grant_type=client_credentials&scope=read:profile",
          }).then(async (res) => ({ status: res.status, json: (await res.json()) as { access_token: string } })),
        ),
      );
      for (const { status, json } of answers) {
        expect(status).toBe(200);
        const claims = claimsOf(json.access_token);
        expect(claims.client_id).toBe(c.clientId);
        expect(claims.jti).toMatch(/^[A-Za-z0-9_-]{43}$/);
        jtis.add(claims.jti as string);
      }
    }
    expect(jtis.size).toBe(300);
    expect(answeredBy.filter((w) => w === "fast").length - fastBefore).toBe(300);
  });

  it("client_secret_post clients, and the previous secret during a rotation's grace", async () => {
    const c = await newClient({ tokenEndpointAuthMethod: "client_secret_post" });
    const post = `grant_type=client_credentials&client_id=${c.clientId}&client_secret=${c.clientSecret}`;
    expect((await token(post, {})).by).toBe("fast");
    // oidc-provider takes client_secret_basic from a client_secret_post client too; so does the fast path.
    expect((await token("grant_type=client_credentials", { authorization: basic(c) }, true)).res.status).toBe(200);
    const otherMethod = await token("grant_type=client_credentials", { authorization: basic(c) });
    expect(otherMethod.by).toBe("fast");
    expect(otherMethod.res.status).toBe(200);
    // Both at once is the library's to refuse.
    const both = await token(post, { authorization: basic(c) });
    expect(both.by).toBe("library");
    expect(both.res.status).toBe(400);

    const other = await newClient();
    await prisma.oAuthClient.update({
      where: { id: other.id },
      data: {
        secretHash: hashSecret("gcs_new"),
        previousSecretHash: hashSecret(other.clientSecret),
        previousSecretExpiresAt: new Date(Date.now() + 60_000),
      },
    });
    emitCredentialChange({ kind: "oauth_client", clientId: other.clientId });
    expect((await token("grant_type=client_credentials", { authorization: basic(other) })).res.status).toBe(200);
    await prisma.oAuthClient.update({
      where: { id: other.id },
      data: { previousSecretExpiresAt: new Date(Date.now() - 1000) },
    });
    emitCredentialChange({ kind: "oauth_client", clientId: other.clientId });
    const expired = await token("grant_type=client_credentials", { authorization: basic(other) });
    expect(expired).toMatchObject({ by: "library" });
    expect(expired.res.status).toBe(401);
  });

  it("hands everything it can't answer exactly to the library, whose answer the client gets", async () => {
    const c = await newClient();
    const noCc = await newClient({ grantTypes: ["authorization_code"], redirectUris: ["https://app.example/cb"] });
    const wrong = { ...c, clientSecret: "gcs_wrong" };
    const cases: [string, Record<string, string>][] = [
      ["grant_type=client_credentials", { authorization: basic(wrong) }],
      ["grant_type=client_credentials&foo=bar", { authorization: basic(c) }],
      ["grant_type=client_credentials&scope=a&scope=b", { authorization: basic(c) }],
      ["grant_type=client_credentials&resource=https%3A%2F%2Fevil.example%2F", { authorization: basic(c) }],
      ["grant_type=client_credentials", { authorization: basic(noCc) }],
      ["grant_type=password&username=a&password=b", { authorization: basic(c) }],
      ["grant_type=client_credentials", { authorization: basic(c), dpop: "not-a-proof" }],
    ];
    for (const [body, headers] of cases) {
      const r = await token(body, headers);
      const direct = await token(body, headers, true);
      expect(r.by, body).toBe("library");
      expect(r.res.status, body).toBe(direct.res.status);
      expect(r.json.error, body).toBe(direct.json.error);
      if (r.res.status === 200) expect(Object.keys(r.json).sort()).toEqual(Object.keys(direct.json).sort());
      else expect(r.res.status, body).toBeGreaterThanOrEqual(400);
    }
  });

  it("a revoked client and a throttled (client, IP) go to the library, which refuses them", async () => {
    const c = await newClient();
    for (let i = 0; i < 10; i++) {
      await token("grant_type=client_credentials", { authorization: basic({ ...c, clientSecret: "gcs_guess" }) });
    }
    const throttled = await token("grant_type=client_credentials", { authorization: basic(c) });
    expect(throttled).toMatchObject({ by: "library" });
    expect(throttled.res.status).toBe(429);

    const r = await newClient();
    await prisma.oAuthClient.update({ where: { id: r.id }, data: { revokedAt: new Date() } });
    emitCredentialChange({ kind: "oauth_client", clientId: r.clientId });
    const revoked = await token("grant_type=client_credentials", { authorization: basic(r) });
    expect(revoked).toMatchObject({ by: "library" });
    expect(revoked.res.status).toBe(401);
  });
});

describe("policies on OAuth clients apply to their access tokens at the data plane", () => {
  it("the client's IP allowlist and rate limit, evicted on change", async () => {
    const c = await newClient();
    const { json } = await token("grant_type=client_credentials&scope=read:profile", { authorization: basic(c) });
    const jwt = json.access_token as string;
    const decide = (ip: string) => Promise.resolve(authorize(dp, { credential: jwt, ip, scopes: ["read:profile"] }));
    expect((await decide("203.0.113.5")).code).toBe("VALID");

    await prisma.oAuthClient.update({
      where: { id: c.id },
      data: { policy: { ipAllowlist: ["10.0.0.0/8"], rateLimits: [{ limit: 2, windowSeconds: 60 }] } },
    });
    emitCredentialChange({ kind: "oauth_client", clientId: c.clientId });
    const denied = await decide("203.0.113.5");
    expect(denied).toMatchObject({ code: "IP_NOT_ALLOWED", status: 403 });
    expect(denied.token?.clientId).toBe(c.clientId);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await decide("10.1.2.3")).code);
    expect(codes).toEqual(["VALID", "VALID", "RATE_LIMITED"]);
  });
});
