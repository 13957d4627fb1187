// What the authorization server and the data plane must refuse (RFC 6749,
// RFC 7636, RFC 9700 — the OAuth 2.0 Security BCP — and RFC 8725 for JWTs):
// redirect URI tricks, PKCE downgrades, code replay and theft, implicit and
// password grants, unknown resources, client-secret guessing, and hostile
// access tokens at /v1/verify and /authz.
import { createPublicKey, randomBytes } from "node:crypto";
import { expect, test, type APIRequestContext } from "@playwright/test";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from "jose";
import * as oidc from "openid-client";
import { newDeveloper, PASSWORD, signIn, type SignedIn } from "../fixtures";
import {
  AUDIENCE,
  authorize,
  authorizeUrl,
  authz,
  createClient,
  decodeJwt,
  expectRevoked,
  ISSUER,
  openidClient,
  pkce,
  postForm,
  REDIRECT_URI,
  serverSigningKey,
  verifyToken,
  webApp,
  type CreatedClient,
  codeFlowUrl,
} from "../oauth";

type OAuthErrorBody = { error: string; error_description?: string };

/** A code for `client`, issued to `user` with PKCE (S256). */
async function codeFor(user: SignedIn, client: CreatedClient, scope = "read:profile") {
  const { verifier, challenge } = await pkce();
  const state = randomBytes(8).toString("hex");
  const { callback } = await authorize(
    user,
    authorizeUrl({
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope,
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }),
  );
  const code = callback.searchParams.get("code");
  expect(code, callback.toString()).toBeTruthy();
  return { code: code!, verifier, callback };
}

function basic(client: CreatedClient) {
  return { clientId: client.clientId, clientSecret: client.clientSecret! };
}

async function exchange(client: CreatedClient, form: Record<string, string>) {
  const res = await postForm(
    "/oauth/token",
    { grant_type: "authorization_code", redirect_uri: REDIRECT_URI, ...form },
    basic(client),
  );
  return { res, body: (await res.json()) as OAuthErrorBody & { access_token?: string; refresh_token?: string } };
}

/** The authorize endpoint must answer with its own error page: no redirect anywhere. */
async function expectErrorPage(request: APIRequestContext, url: URL, error: string) {
  const res = await request.get(url.toString(), { maxRedirects: 0 });
  expect(res.status(), res.headers()["location"]).toBe(400);
  expect(res.headers()["location"]).toBeUndefined();
  expect(res.headers()["content-type"]).toContain("text/html");
  expect(await res.text()).toContain(error);
}

/** The authorize endpoint reports the error to the (registered) redirect URI, with state and iss. */
async function expectRedirectedError(request: APIRequestContext, url: URL, error: string) {
  const res = await request.get(url.toString(), { maxRedirects: 0 });
  expect(res.status()).toBeGreaterThanOrEqual(300);
  expect(res.status()).toBeLessThan(400);
  const location = new URL(res.headers()["location"]);
  expect(`${location.origin}${location.pathname}`).toBe(REDIRECT_URI);
  expect(location.hash).toBe("");
  expect(location.searchParams.get("error")).toBe(error);
  expect(location.searchParams.get("iss")).toBe(ISSUER);
  expect(location.searchParams.get("state")).toBe(url.searchParams.get("state"));
  expect(location.searchParams.get("code")).toBeNull();
  expect(location.searchParams.get("access_token")).toBeNull();
  return location;
}

test.describe("authorization endpoint", () => {
  test("redirect URIs are matched exactly: near misses are refused without redirecting", async () => {
    const owner = await newDeveloper("oauth-neg-redirect");
    const client = await createClient(owner, webApp());
    const { challenge } = await pkce();
    const params = (redirect_uri: string) =>
      authorizeUrl({
        client_id: client.clientId,
        redirect_uri,
        response_type: "code",
        scope: "read:profile",
        state: "s1",
        code_challenge: challenge,
        code_challenge_method: "S256",
      });
    const variants = {
      "trailing slash": "http://127.0.0.1:9/cb/",
      "different port": "http://127.0.0.1:10/cb",
      "different path": "http://127.0.0.1:9/cb2",
      "sub-path": "http://127.0.0.1:9/cb/x",
      "different case": "http://127.0.0.1:9/CB",
      "different host": "http://localhost:9/cb",
      "attacker host": "https://attacker.example/cb",
      "extra query": "http://127.0.0.1:9/cb?next=https://attacker.example",
      "userinfo trick": "http://127.0.0.1:9@attacker.example/cb",
    };
    // The signed-in user too: the refusal must not depend on the login prompt.
    for (const [label, uri] of Object.entries(variants)) {
      await test.step(label, async () => {
        await expectErrorPage(owner.request, params(uri), "redirect_uri");
      });
    }
    await test.step("control: the exact registered URI is accepted", async () => {
      const res = await owner.request.get(params(REDIRECT_URI).toString(), { maxRedirects: 0 });
      expect(res.status()).toBe(303);
      expect(res.headers()["location"]).toMatch(/^\/oauth\/consent\//);
    });
    await test.step("unknown client → error page, no redirect", async () => {
      const url = params(REDIRECT_URI);
      url.searchParams.set("client_id", "gc_doesnotexist000000000000");
      await expectErrorPage(owner.request, url, "invalid_client");
    });
  });

  test("PKCE is required, S256 only", async () => {
    const owner = await newDeveloper("oauth-neg-pkce");
    const client = await createClient(owner, webApp());
    const { verifier, challenge } = await pkce();
    const base = {
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "read:profile",
      state: "st",
    };
    await test.step("no code_challenge", async () => {
      const loc = await expectRedirectedError(owner.request, authorizeUrl(base), "invalid_request");
      expect(loc.searchParams.get("error_description")).toMatch(/PKCE/);
    });
    await test.step("code_challenge_method=plain", async () => {
      await expectRedirectedError(
        owner.request,
        authorizeUrl({ ...base, code_challenge: verifier, code_challenge_method: "plain" }),
        "invalid_request",
      );
    });
    await test.step("code_challenge without a method (would default to plain)", async () => {
      await expectRedirectedError(
        owner.request,
        authorizeUrl({ ...base, code_challenge: challenge }),
        "invalid_request",
      );
    });
  });

  test("implicit (response_type=token) and hybrid response types are refused", async () => {
    const owner = await newDeveloper("oauth-neg-implicit");
    const client = await createClient(owner, webApp());
    const { challenge } = await pkce();
    for (const responseType of ["token", "id_token token", "code token"]) {
      await test.step(responseType, async () => {
        const url = authorizeUrl({
          client_id: client.clientId,
          redirect_uri: REDIRECT_URI,
          response_type: responseType,
          scope: "openid read:profile",
          state: "st",
          nonce: "n",
          code_challenge: challenge,
          code_challenge_method: "S256",
        });
        const res = await owner.request.get(url.toString(), { maxRedirects: 0 });
        const location = res.headers()["location"] ?? "";
        // Never a token anywhere, whatever the answer's form.
        expect(location).not.toMatch(/access_token=|id_token=|code=/);
        expect(await res.text()).not.toMatch(/access_token|id_token=/);
        if (location) {
          const loc = new URL(location);
          expect(`${loc.origin}${loc.pathname}`).toBe(REDIRECT_URI);
          const params = new URLSearchParams(loc.search || loc.hash.slice(1));
          expect(params.get("error")).toBe("unsupported_response_type");
        } else {
          expect(res.status()).toBe(400);
        }
      });
    }
  });

  test("consent is confirmed only by a same-origin POST of the pending interaction", async ({ request }) => {
    const owner = await newDeveloper("oauth-neg-consent");
    const user = await newDeveloper("oauth-neg-consent-user");
    const client = await createClient(owner, webApp());
    const { challenge } = await pkce();
    const url = authorizeUrl({
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "read:profile",
      state: "st",
      code_challenge: challenge,
      code_challenge_method: "S256",
    });
    // Walk to the consent page by hand (the helper would submit it).
    let res = await user.request.get(url.toString(), { maxRedirects: 0 });
    while (res.status() === 303) {
      res = await user.request.get(new URL(res.headers()["location"], ISSUER).toString(), { maxRedirects: 0 });
    }
    expect(res.status()).toBe(200);
    const action = /action="(\/oauth\/consent\/[A-Za-z0-9_-]+\/confirm)"/.exec(await res.text())![1];
    const confirm = new URL(action, ISSUER).toString();

    const crossSite = await user.request.post(confirm, {
      form: { decision: "allow" },
      headers: { origin: "https://attacker.example" },
      maxRedirects: 0,
    });
    expect(crossSite.status()).toBe(403);
    expect(crossSite.headers()["location"]).toBeUndefined();
    const viaGet = await user.request.get(confirm, { maxRedirects: 0 });
    expect(viaGet.status()).toBe(405);
    // Without the interaction's cookies — another browser, even one signed in as the same user: refused.
    for (const elsewhere of [request, (await signIn(user.email)).request]) {
      const res = await elsewhere.post(confirm, { form: { decision: "allow" }, maxRedirects: 0 });
      expect(res.status()).toBe(400);
      expect(res.headers()["location"]).toBeUndefined();
    }

    // The real user can still finish it.
    const allowed = await user.request.post(confirm, {
      form: { decision: "allow" },
      headers: { origin: ISSUER },
      maxRedirects: 0,
    });
    expect(allowed.status()).toBe(303);
  });

  test("the portal session decides who authorizes: another user signing in on the same browser", async () => {
    const owner = await newDeveloper("oauth-neg-switch");
    const alice = await newDeveloper("oauth-neg-switch-alice");
    const bob = await newDeveloper("oauth-neg-switch-bob");
    const client = await createClient(owner, webApp());
    const config = await openidClient(client);
    const flow = async () => {
      const verifier = oidc.randomPKCECodeVerifier();
      const { callback } = await authorize(
        alice, // the browser: its cookie jar (portal session + the provider's cookies)
        await codeFlowUrl(config, verifier, "read:profile"),
      );
      const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
      return String(decodeJwt(tokens.access_token).payload.sub);
    };
    const aliceSub = await flow();

    // Bob signs in to the portal in the same browser (Alice's provider session cookie is still there).
    const { csrfToken } = (await (await alice.request.get("/api/auth/csrf")).json()) as { csrfToken: string };
    await alice.request.post("/api/auth/callback/credentials", {
      form: { csrfToken, email: bob.email, password: PASSWORD, json: "true" },
      maxRedirects: 0,
    });
    const session = (await (await alice.request.get("/api/auth/session")).json()) as { user?: { email?: string } };
    expect(session.user?.email).toBe(bob.email);

    const bobSub = await flow();
    expect(bobSub).not.toBe(aliceSub); // a code for Alice's account must never reach Bob's browser

    // Signed out of the portal: no code for anyone, the browser is sent to sign in.
    const csrf = ((await (await alice.request.get("/api/auth/csrf")).json()) as { csrfToken: string }).csrfToken;
    await alice.request.post("/api/auth/signout", { form: { csrfToken: csrf, json: "true" }, maxRedirects: 0 });
    expect(await (await alice.request.get("/api/auth/session")).json()).toEqual({});
    let res = await alice.request.get((await codeFlowUrl(config, (await pkce()).verifier, "read:profile")).toString(), {
      maxRedirects: 0,
    });
    const hops: string[] = [];
    while (res.status() === 303 && hops.length < 10) {
      const next = new URL(res.headers()["location"], ISSUER);
      hops.push(next.toString());
      if (next.origin !== ISSUER || next.pathname === "/sign-in") break;
      res = await alice.request.get(next.toString(), { maxRedirects: 0 });
    }
    const last = new URL(hops.at(-1)!);
    expect(`${last.origin}${last.pathname}`, hops.join(" → ")).toBe(`${ISSUER}/sign-in`);
    expect(last.searchParams.get("callbackUrl")).toMatch(/^\/oauth\/consent\//);
  });

  test("scopes never grow: not past the client's allowed scopes, not at refresh", async () => {
    const owner = await newDeveloper("oauth-neg-scope");
    const user = await newDeveloper("oauth-neg-scope-user");
    const client = await createClient(owner, webApp(["read:profile", "update:profile"]));
    const config = await openidClient(client);
    const verifier = oidc.randomPKCECodeVerifier();
    const { callback, consentHtml } = await authorize(
      user,
      await codeFlowUrl(config, verifier, "read:profile delete:user"),
    );
    expect(consentHtml).toContain("read:profile");
    expect(consentHtml).not.toContain("delete:user"); // never even offered to the user
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier });
    expect(tokens.scope).toBe("read:profile");
    expect(decodeJwt(tokens.access_token).payload.scope).toBe("read:profile");

    // update:profile is allowed for the client but was not granted by the user: refresh can't add it.
    for (const scope of ["read:profile update:profile", "read:profile delete:user"]) {
      await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!, { scope })).rejects.toMatchObject({
        error: "invalid_scope",
        status: 400,
      });
    }
    const same = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(same.scope).toBe("read:profile");
  });

  test("an unknown resource indicator → invalid_target", async () => {
    const owner = await newDeveloper("oauth-neg-resource");
    const client = await createClient(owner, webApp());
    const { challenge } = await pkce();
    await expectRedirectedError(
      owner.request,
      authorizeUrl({
        client_id: client.clientId,
        redirect_uri: REDIRECT_URI,
        response_type: "code",
        scope: "read:profile",
        state: "st",
        code_challenge: challenge,
        code_challenge_method: "S256",
        resource: "https://attacker.example/api",
      }),
      "invalid_target",
    );
  });
});

test.describe("token endpoint", () => {
  test("code_verifier: wrong or missing → invalid_grant", async () => {
    const owner = await newDeveloper("oauth-neg-verifier");
    const user = await newDeveloper("oauth-neg-verifier-user");
    const client = await createClient(owner, webApp());
    const { code, verifier } = await codeFor(user, client);

    const wrong = await exchange(client, { code, code_verifier: (await pkce()).verifier });
    expect(wrong.res.status).toBe(400);
    expect(wrong.body.error).toBe("invalid_grant");
    expect(wrong.body.access_token).toBeUndefined();

    const missing = await exchange(client, { code });
    expect(missing.res.status).toBe(400);
    expect(missing.body.error).toBe("invalid_grant");
    expect(missing.body.access_token).toBeUndefined();

    // The plain form of the challenge (the verifier's own hash is not a verifier either).
    const plain = await exchange(client, { code, code_verifier: await oidc.calculatePKCECodeChallenge(verifier) });
    expect(plain.body.error).toBe("invalid_grant");
  });

  test("a code is single-use: replay → invalid_grant, and the first redemption's tokens are REVOKED", async ({
    request,
  }) => {
    const owner = await newDeveloper("oauth-neg-replay");
    const user = await newDeveloper("oauth-neg-replay-user");
    const client = await createClient(owner, webApp());
    const { code, verifier } = await codeFor(user, client);

    const first = await exchange(client, { code, code_verifier: verifier });
    expect(first.res.status).toBe(200);
    expect(first.res.headers.get("cache-control")).toContain("no-store");
    const at = first.body.access_token!;
    expect((await verifyToken(request, at)).code).toBe("VALID");

    const second = await exchange(client, { code, code_verifier: verifier });
    expect(second.res.status).toBe(400);
    expect(second.res.headers.get("cache-control")).toContain("no-store");
    expect(second.body.error).toBe("invalid_grant");
    expect(second.body.access_token).toBeUndefined();

    // RFC 6749 §4.1.2 / RFC 9700 §4.5: revoke what the code already produced.
    await expectRevoked(request, at);
    const refresh = await postForm(
      "/oauth/token",
      { grant_type: "refresh_token", refresh_token: first.body.refresh_token! },
      basic(client),
    );
    expect(refresh.status).toBe(400);
    expect(((await refresh.json()) as OAuthErrorBody).error).toBe("invalid_grant");
  });

  test("a code issued to one client can't be redeemed by another; redirect_uri must match", async ({ request }) => {
    const owner = await newDeveloper("oauth-neg-steal");
    const user = await newDeveloper("oauth-neg-steal-user");
    const victim = await createClient(owner, webApp());
    const thief = await createClient(owner, webApp());
    const { code, verifier } = await codeFor(user, victim);

    const stolen = await exchange(thief, { code, code_verifier: verifier });
    expect(stolen.res.status).toBe(400);
    expect(stolen.body.error).toBe("invalid_grant");

    const otherRedirect = await exchange(victim, {
      code,
      code_verifier: verifier,
      redirect_uri: "http://127.0.0.1:9/cb/",
    });
    expect(otherRedirect.res.status).toBe(400);
    expect(otherRedirect.body.error).toBe("invalid_grant");

    // A public client presenting the code without any authentication gets nothing either.
    const anonymous = await postForm("/oauth/token", {
      grant_type: "authorization_code",
      code,
      code_verifier: verifier,
      redirect_uri: REDIRECT_URI,
      client_id: victim.clientId,
    });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as OAuthErrorBody).error).toBe("invalid_client");

    // The rightful client still can (the failed attempts did not spend it).
    const mine = await exchange(victim, { code, code_verifier: verifier });
    expect(mine.res.status).toBe(200);
    expect((await verifyToken(request, mine.body.access_token!)).code).toBe("VALID");
  });

  test("Cache-Control: no-store on every token response; GET is not a token request", async () => {
    const owner = await newDeveloper("oauth-neg-cache");
    const client = await createClient(owner, { grantTypes: ["client_credentials"], scopes: ["read:profile"] });
    const ok = await postForm("/oauth/token", { grant_type: "client_credentials" }, basic(client));
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toContain("no-store");
    expect(ok.headers.get("content-type")).toContain("application/json");
    const bad = await postForm(
      "/oauth/token",
      { grant_type: "client_credentials", scope: "x" },
      {
        ...basic(client),
        clientSecret: "gcs_wrong",
      },
    );
    expect(bad.status).toBe(401);
    expect(bad.headers.get("cache-control")).toContain("no-store");

    const query = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: client.clientId,
      client_secret: client.clientSecret!,
    });
    const get = await fetch(new URL(`/oauth/token?${query}`, ISSUER));
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(get.headers.get("cache-control")).toContain("no-store");
    const getText = await get.text();
    expect(getText).not.toContain("access_token");
    expect(JSON.parse(getText)).toEqual({ error: "invalid_request", error_description: "Use POST for /oauth/token." });
  });

  test("the other POST-only endpoints refuse GET with 405; an unknown /oauth path is a JSON 404", async () => {
    for (const path of ["/oauth/introspect", "/oauth/revoke", "/oauth/par"]) {
      const res = await fetch(new URL(`${path}?token=x`, ISSUER));
      expect(res.status, path).toBe(405);
      expect(res.headers.get("allow"), path).toBe("POST");
      expect(((await res.json()) as OAuthErrorBody).error, path).toBe("invalid_request");
    }
    const unknown = await fetch(new URL("/oauth/nope", ISSUER));
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("content-type")).toContain("application/json");
    const body = (await unknown.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("not_found");
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    // Routes the library does serve are untouched: the JWKS still answers.
    const jwks = await fetch(new URL("/oauth/jwks", ISSUER));
    expect(jwks.status).toBe(200);
    expect(((await jwks.json()) as { keys: unknown[] }).keys.length).toBeGreaterThan(0);
  });

  test("password and implicit grants are unsupported; unknown resource → invalid_target", async () => {
    const owner = await newDeveloper("oauth-neg-grants");
    const client = await createClient(owner, {
      ...webApp(),
      grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
    });
    for (const grant of ["password", "implicit", "urn:ietf:params:oauth:grant-type:device_code"]) {
      const res = await postForm(
        "/oauth/token",
        { grant_type: grant, username: owner.email, password: "e2e correct horse battery" },
        basic(client),
      );
      expect(res.status, grant).toBe(400);
      expect(((await res.json()) as OAuthErrorBody).error).toBe("unsupported_grant_type");
    }
    const config = await openidClient(client);
    await expect(
      oidc.clientCredentialsGrant(config, { scope: "read:profile", resource: "https://attacker.example/api" }),
    ).rejects.toMatchObject({ error: "invalid_target", status: 400 });
    // The one known resource is fine.
    const ok = await oidc.clientCredentialsGrant(config, { scope: "read:profile", resource: AUDIENCE });
    expect(decodeJwt(ok.access_token).payload.aud).toBe(AUDIENCE);
  });

  test("guessing a client secret: 10 failures per client and IP, then 429 — for that client only", async () => {
    const owner = await newDeveloper("oauth-neg-throttle");
    const target = await createClient(owner, { grantTypes: ["client_credentials"], scopes: ["read:profile"] });
    const bystander = await createClient(owner, { grantTypes: ["client_credentials"], scopes: ["read:profile"] });
    const attempt = (client: CreatedClient, secret: string) =>
      postForm(
        "/oauth/token",
        { grant_type: "client_credentials" },
        { clientId: client.clientId, clientSecret: secret },
      );

    for (let i = 0; i < 10; i++) {
      const res = await attempt(target, `gcs_wrong_${i}`);
      expect(res.status, `attempt ${i + 1}`).toBe(401);
      expect(((await res.json()) as OAuthErrorBody).error).toBe("invalid_client");
    }
    const blocked = await attempt(target, "gcs_wrong_10");
    expect(blocked.status).toBe(429);
    const retryAfter = Number(blocked.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(blocked.headers.get("cache-control")).toContain("no-store");
    expect(blocked.headers.get("content-type")).toContain("application/json");
    const body = (await blocked.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["error", "error_description"]); // RFC 6749 §5.2 shape
    expect(typeof body.error).toBe("string");
    expect(typeof body.error_description).toBe("string");

    // By design the block is per (client, IP): the right secret from this IP waits too…
    expect((await attempt(target, target.clientSecret!)).status).toBe(429);
    // …and so does the same client at the introspection and revocation endpoints.
    expect((await postForm("/oauth/introspect", { token: "x" }, basic(target))).status).toBe(429);
    expect((await postForm("/oauth/revoke", { token: "x" }, basic(target))).status).toBe(429);
    // Another client from the same IP is untouched.
    const other = await attempt(bystander, bystander.clientSecret!);
    expect(other.status).toBe(200);
    expect(((await other.json()) as { access_token?: string }).access_token).toBeTruthy();
  });
});

test.describe("hostile access tokens at the data plane", () => {
  type Jwks = { keys: (JWK & { kid: string })[] };

  const b64 = (v: unknown) => Buffer.from(typeof v === "string" ? v : JSON.stringify(v)).toString("base64url");
  /** A JWT assembled by hand: header and payload as given, any signature bytes. */
  const unsigned = (header: object, payload: object, signature = "") => `${b64(header)}.${b64(payload)}.${signature}`;

  async function hs256(header: object, payload: object, secret: Uint8Array) {
    return new SignJWT(payload as Record<string, unknown>)
      .setProtectedHeader({ ...header, alg: "HS256" } as { alg: string })
      .sign(secret);
  }

  async function expectRejected(request: APIRequestContext, token: string, codes: string[]) {
    const v = await verifyToken(request, token);
    expect(v.valid).toBe(false);
    expect(codes, JSON.stringify(v)).toContain(v.code);
    const a = await authz(request, token);
    expect(a.status).toBe(401);
    expect(a.headers["www-authenticate"]).toContain('error="invalid_token"');
    expect(a.headers["x-gatehouse-client-id"]).toBeUndefined();
  }

  test("alg none, HS256 with our public key, embedded/remote keys, unknown kid, tampering", async ({ request }) => {
    const owner = await newDeveloper("oauth-neg-jwt");
    const client = await createClient(owner, { grantTypes: ["client_credentials"], scopes: ["read:profile"] });
    const config = await openidClient(client);
    const real = (await oidc.clientCredentialsGrant(config, { scope: "read:profile" })).access_token;
    expect((await verifyToken(request, real)).code).toBe("VALID");
    const { header: realHeader, payload } = decodeJwt(real);
    const kid = String(realHeader.kid);
    const jwks = (await (await request.get("/oauth/jwks")).json()) as Jwks;
    const ours = jwks.keys.find((k) => k.kid === kid)!;
    expect(ours).toBeDefined();
    // A fresh jti each time, so no verdict comes from the cache of the real token.
    const claims = () => ({
      ...payload,
      jti: randomBytes(12).toString("base64url"),
      scope: "read:profile delete:user",
    });
    const attacker = await generateKeyPair("ES256", { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const signAsAttacker = (header: Record<string, unknown>) =>
      new SignJWT(claims()).setProtectedHeader({ alg: "ES256", typ: "at+jwt", ...header }).sign(attacker.privateKey);

    const cases: [string, () => Promise<string> | string, string[]][] = [
      ["alg none, no signature", () => unsigned({ alg: "none", typ: "at+jwt", kid }, claims()), ["INVALID_TOKEN"]],
      [
        "alg none, our kid, the real signature",
        () => unsigned({ alg: "none", typ: "at+jwt", kid }, claims(), real.split(".")[2]),
        ["INVALID_TOKEN"],
      ],
      ["alg NONE (case games)", () => unsigned({ alg: "NONE", typ: "at+jwt", kid }, claims()), ["INVALID_TOKEN"]],
      [
        "HS256 keyed with our public key's x‖y bytes",
        () =>
          hs256(
            { typ: "at+jwt", kid },
            claims(),
            Buffer.concat([Buffer.from(ours.x!, "base64url"), Buffer.from(ours.y!, "base64url")]),
          ),
        ["INVALID_TOKEN"],
      ],
      [
        "HS256 keyed with our public key's PEM",
        () =>
          hs256(
            { typ: "at+jwt", kid },
            claims(),
            Buffer.from(createPublicKey({ key: ours, format: "jwk" }).export({ type: "spki", format: "pem" })),
          ),
        ["INVALID_TOKEN"],
      ],
      [
        "HS256 keyed with the JWKS JSON",
        () => hs256({ typ: "at+jwt", kid }, claims(), Buffer.from(JSON.stringify(ours))),
        ["INVALID_TOKEN"],
      ],
      [
        "embedded jwk header (attacker's own key)",
        async () => signAsAttacker({ jwk: attackerJwk, kid: await calculateJwkThumbprint(attackerJwk) }),
        ["INVALID_TOKEN"],
      ],
      ["embedded jwk header with our kid", () => signAsAttacker({ jwk: attackerJwk, kid }), ["INVALID_TOKEN"]],
      ["unknown kid", () => signAsAttacker({ kid: "attacker-key-1" }), ["INVALID_TOKEN"]],
      ["no kid", () => signAsAttacker({}), ["INVALID_TOKEN"]],
      ["our kid, attacker's signature", () => signAsAttacker({ kid }), ["INVALID_TOKEN"]],
      [
        "jku pointing elsewhere",
        () => signAsAttacker({ kid: "k1", jku: "https://attacker.example/jwks.json" }),
        ["INVALID_TOKEN"],
      ],
      ["jku with our kid", () => signAsAttacker({ kid, jku: "https://attacker.example/jwks.json" }), ["INVALID_TOKEN"]],
      [
        "x5u pointing elsewhere",
        () => signAsAttacker({ kid, x5u: "https://attacker.example/cert.pem" }),
        ["INVALID_TOKEN"],
      ],
      [
        "tampered payload (scope widened), real signature",
        () => `${real.split(".")[0]}.${b64(claims())}.${real.split(".")[2]}`,
        ["INVALID_TOKEN"],
      ],
      ["signature stripped", () => `${real.split(".")[0]}.${real.split(".")[1]}.`, ["INVALID_TOKEN"]],
      ["not base64 JSON", () => "eyJ.not-a-jwt.x", ["MALFORMED", "INVALID_TOKEN"]],
    ];
    for (const [label, make, codes] of cases) {
      await test.step(label, async () => {
        await expectRejected(request, await make(), codes);
      });
    }
    // The real token is still fine (no hostile input poisoned a cache).
    expect((await verifyToken(request, real)).code).toBe("VALID");
  });

  test("an ID token (signed with our key, but typ and aud of an ID token) is not an access token", async ({
    request,
  }) => {
    const owner = await newDeveloper("oauth-neg-idtoken");
    const user = await newDeveloper("oauth-neg-idtoken-user");
    const client = await createClient(owner, webApp());
    const config = await openidClient(client);
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const { callback } = await authorize(user, await codeFlowUrl(config, verifier, "openid read:profile", { nonce }));
    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
    });
    expect(tokens.id_token).toBeTruthy();
    const idToken = decodeJwt(tokens.id_token!);
    expect(idToken.header.typ).not.toBe("at+jwt");
    expect(idToken.payload.aud).toBe(client.clientId);
    expect((await verifyToken(request, tokens.access_token)).code).toBe("VALID");
    await expectRejected(request, tokens.id_token!, ["INVALID_TOKEN"]);
  });

  test("signed with our real key but wrong typ, aud, iss or expired", async ({ request }) => {
    const signing = await serverSigningKey();
    test.skip(!signing, "needs TEST_DATABASE_URL: reading the server's signing key needs a database connection");
    const { kid, key } = signing!;
    const now = Math.floor(Date.now() / 1000);
    const good = () => ({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: "user_forged",
      client_id: "gc_forged",
      scope: "read:profile",
      jti: randomBytes(12).toString("base64url"),
      iat: now,
      exp: now + 600,
    });
    const sign = (payload: Record<string, unknown>, typ = "at+jwt") =>
      new SignJWT(payload).setProtectedHeader({ alg: "ES256", typ, kid }).sign(key as CryptoKey);

    // The harness is right: the same key and claims make a valid token.
    expect((await verifyToken(request, await sign(good()))).code).toBe("VALID");

    const cases: [string, () => Promise<string>, string][] = [
      ["typ JWT", () => sign(good(), "JWT"), "INVALID_TOKEN"],
      ["typ absent", () => new SignJWT(good()).setProtectedHeader({ alg: "ES256", kid }).sign(key), "INVALID_TOKEN"],
      ["aud of another API", () => sign({ ...good(), aud: "https://attacker.example/api" }), "INVALID_TOKEN"],
      ["aud = the issuer itself", () => sign({ ...good(), aud: ISSUER }), "INVALID_TOKEN"],
      ["iss of another server", () => sign({ ...good(), iss: "https://attacker.example" }), "INVALID_TOKEN"],
      ["expired", () => sign({ ...good(), iat: now - 1200, exp: now - 600 }), "EXPIRED"],
      ["no exp", () => sign({ ...good(), exp: undefined }), "INVALID_TOKEN"],
      ["no client_id", () => sign({ ...good(), client_id: undefined }), "INVALID_TOKEN"],
    ];
    for (const [label, make, code] of cases) {
      await test.step(label, async () => {
        await expectRejected(request, await make(), [code]);
      });
    }
  });
});
