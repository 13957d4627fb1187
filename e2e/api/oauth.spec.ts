// The OAuth 2.0 authorization server driven by real third-party clients
// (openid-client and oauth4webapi): client credentials, authorization code +
// PKCE, refresh rotation and replay detection, introspection, revocation,
// metadata, secret rotation — and every token checked at the data plane
// (/v1/verify, /authz). Each test makes its own users and clients.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oauth from "oauth4webapi";
import * as oidc from "openid-client";
import { newDeveloper, type SignedIn } from "../fixtures";
import {
  AUDIENCE,
  authorizationServer,
  authorize,
  authz,
  createClient,
  decodeJwt,
  expectRevoked,
  INSECURE,
  ISSUER,
  openidClient,
  pkce,
  postForm,
  REDIRECT_URI,
  revokeClient,
  rotateClientSecret,
  verifyToken,
  webApp,
  type CreatedClient,
  codeFlowUrl,
} from "../oauth";

/** Verify an access token as a resource server would (RFC 9068), with jose against the published JWKS. */
async function verifyAccessToken(token: string) {
  // A fresh key set each time: the signing key may rotate while these tests run (oauth-keys.spec.ts).
  const jwks = createRemoteJWKSet(new URL("/oauth/jwks", ISSUER));
  const { payload, protectedHeader } = await jwtVerify(token, jwks, {
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: "at+jwt",
    algorithms: ["ES256"],
    requiredClaims: ["iss", "aud", "sub", "client_id", "jti", "iat", "exp"],
  });
  expect(protectedHeader.alg).toBe("ES256");
  expect(protectedHeader.typ).toBe("at+jwt");
  expect(typeof protectedHeader.kid).toBe("string");
  expect(typeof payload.jti).toBe("string");
  expect(Math.abs(payload.iat! - Date.now() / 1000)).toBeLessThan(60);
  expect(payload.exp! - payload.iat!).toBe(600);
  return payload;
}

/** The rejection a library raised for an OAuth error response: its `error` code and HTTP status. */
async function oauthError(p: Promise<unknown>): Promise<{ error: string; status: number }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof oauth.ResponseBodyError) return { error: e.error, status: e.status };
    // invalid_client answered with a WWW-Authenticate challenge (Basic authentication was tried).
    if (e instanceof oauth.WWWAuthenticateChallengeError) {
      return { error: String(e.cause[0]?.parameters.error), status: e.status };
    }
    throw e;
  }
  throw new Error("expected the request to fail");
}

/** The messages of an error and its causes, joined: openid-client wraps what oauth4webapi found. */
async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    const messages: string[] = [];
    for (let err: unknown = e; err instanceof Error; err = err.cause) messages.push(err.message);
    return messages.join(" ← ");
  }
  throw new Error("expected the call to fail");
}

/** The authorization-code flow with openid-client for a confidential client; returns the tokens. */
async function codeFlow(user: SignedIn, client: CreatedClient, scope = "read:profile") {
  const config = await openidClient(client);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = await codeFlowUrl(config, verifier, scope, { state });
  const { callback } = await authorize(user, url);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
  });
  return { config, tokens };
}

async function expectValid(request: APIRequestContext, token: string) {
  const v = await verifyToken(request, token);
  expect(v, JSON.stringify(v)).toMatchObject({ valid: true, code: "VALID" });
  return v;
}

test.describe("client_credentials", () => {
  test("openid-client: an RFC 9068 JWT, scope capped at the client's allowed scopes", async ({ request }) => {
    const owner = await newDeveloper("oauth-cc");
    const client = await createClient(owner, {
      grantTypes: ["client_credentials"],
      scopes: ["read:profile", "view:logs"],
    });
    const config = await openidClient(client);
    // delete:user exists in the catalog but is not this client's: it is silently left out.
    const tokens = await oidc.clientCredentialsGrant(config, { scope: "read:profile view:logs delete:user" });
    expect(tokens.token_type).toBe("bearer"); // the library lowercases it
    expect(tokens.expires_in).toBe(600);
    expect(tokens.scope).toBe("read:profile view:logs");
    expect(tokens.refresh_token).toBeUndefined();
    expect(tokens.id_token).toBeUndefined();

    const claims = await verifyAccessToken(tokens.access_token);
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: AUDIENCE,
      sub: client.clientId, // RFC 9068 §2.2: no resource owner, the client itself
      client_id: client.clientId,
      scope: "read:profile view:logs",
    });
    expect(typeof claims.org_id).toBe("string");

    const v = await expectValid(request, tokens.access_token);
    expect(v).toMatchObject({
      clientId: client.clientId,
      sub: client.clientId,
      orgId: claims.org_id,
      scopes: ["read:profile", "view:logs"],
      audience: [AUDIENCE],
    });
    expect(await verifyToken(request, tokens.access_token, ["delete:user"])).toEqual({
      valid: false,
      code: "INSUFFICIENT_SCOPE",
      missingScopes: ["delete:user"],
    });
    const ok = await authz(request, tokens.access_token, "read:profile");
    expect(ok.status).toBe(200);
    expect(ok.headers["x-gatehouse-client-id"]).toBe(client.clientId);
    expect(ok.headers["x-gatehouse-subject"]).toBe(client.clientId);
    expect(ok.headers["x-gatehouse-org-id"]).toBe(claims.org_id);
    expect(ok.headers["x-gatehouse-scopes"]).toBe("read:profile view:logs");
    const denied = await authz(request, tokens.access_token, "delete:user");
    expect(denied.status).toBe(403);
    expect(denied.headers["www-authenticate"]).toContain('error="insufficient_scope"');

    // Asking only for scopes the client may not have yields a token with no scope at all.
    const none = await oidc.clientCredentialsGrant(config, { scope: "delete:user" });
    expect(none.scope).toBeUndefined();
    expect((await verifyAccessToken(none.access_token)).scope).toBeUndefined();
  });

  test("oauth4webapi with client_secret_post; the token passes the library's RFC 9068 validation", async ({
    request,
  }) => {
    const owner = await newDeveloper("oauth-cc4");
    const client = await createClient(owner, {
      grantTypes: ["client_credentials"],
      scopes: ["view:logs"],
      tokenEndpointAuthMethod: "client_secret_post",
    });
    const as = await authorizationServer();
    const c: oauth.Client = { client_id: client.clientId, token_endpoint_auth_method: "client_secret_post" };
    const auth = oauth.ClientSecretPost(client.clientSecret!);
    const res = await oauth.clientCredentialsGrantRequest(as, c, auth, { scope: "view:logs read:profile" }, INSECURE);
    expect(res.headers.get("cache-control")).toContain("no-store");
    const tokens = await oauth.processClientCredentialsResponse(as, c, res);
    expect(tokens.scope).toBe("view:logs");
    const claims = await verifyAccessToken(tokens.access_token);
    expect(claims).toMatchObject({ sub: client.clientId, client_id: client.clientId, scope: "view:logs" });

    // oauth4webapi's resource-server side: validateJwtAccessToken (RFC 9068 §4).
    const validated = await oauth.validateJwtAccessToken(
      as,
      new Request(`${ISSUER}/api/anything`, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
      AUDIENCE,
      INSECURE,
    );
    expect(validated).toMatchObject({ client_id: client.clientId, iss: ISSUER, aud: AUDIENCE });

    // A wrong secret in the body is refused.
    const wrong = await oauth.clientCredentialsGrantRequest(as, c, oauth.ClientSecretPost("gcs_wrong"), {}, INSECURE);
    expect(await oauthError(oauth.processClientCredentialsResponse(as, c, wrong))).toEqual({
      error: "invalid_client",
      status: 401,
    });
    await expectValid(request, tokens.access_token);
  });
});

test.describe("authorization_code + PKCE", () => {
  test("confidential client with openid-client: consent, iss in the response (RFC 9207), tokens", async ({
    request,
  }) => {
    const owner = await newDeveloper("oauth-code-owner");
    const user = await newDeveloper("oauth-code-user");
    const client = await createClient(owner, webApp(["read:profile", "update:profile"], { name: "Reporting app" }));
    const config = await openidClient(client);
    expect(config.serverMetadata().authorization_response_iss_parameter_supported).toBe(true);

    const verifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const url = await codeFlowUrl(config, verifier, "read:profile", { state });
    const { callback, consentHtml } = await authorize(user, url);
    expect(consentHtml).toContain("Reporting app");
    expect(consentHtml).toContain("read:profile");
    expect(consentHtml).not.toContain("update:profile"); // only what was asked for

    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get("iss")).toBe(ISSUER);
    expect(callback.searchParams.get("state")).toBe(state);
    expect(callback.searchParams.get("code")).toBeTruthy();

    // The library checks iss before it spends the code: a mix-up (wrong or missing iss) is refused.
    const mixedUp = new URL(callback);
    mixedUp.searchParams.set("iss", "https://attacker.example");
    expect(
      await failure(oidc.authorizationCodeGrant(config, mixedUp, { pkceCodeVerifier: verifier, expectedState: state })),
    ).toContain('unexpected "iss" (issuer) response parameter value');
    const noIss = new URL(callback);
    noIss.searchParams.delete("iss");
    expect(
      await failure(oidc.authorizationCodeGrant(config, noIss, { pkceCodeVerifier: verifier, expectedState: state })),
    ).toContain('"iss"');

    const tokens = await oidc.authorizationCodeGrant(config, callback, {
      pkceCodeVerifier: verifier,
      expectedState: state,
    });
    expect(tokens.token_type).toBe("bearer");
    expect(tokens.expires_in).toBe(600);
    expect(tokens.scope).toBe("read:profile");
    expect(tokens.refresh_token).toBeTruthy();
    const claims = await verifyAccessToken(tokens.access_token);
    expect(claims).toMatchObject({ iss: ISSUER, aud: AUDIENCE, client_id: client.clientId, scope: "read:profile" });
    expect(claims.sub).not.toBe(client.clientId); // the user
    expect(typeof claims.gid).toBe("string");

    const v = await expectValid(request, tokens.access_token);
    expect(v).toMatchObject({ clientId: client.clientId, sub: claims.sub, scopes: ["read:profile"] });
    const headers = (await authz(request, tokens.access_token, "read:profile")).headers;
    expect(headers["x-gatehouse-subject"]).toBe(claims.sub);
    expect(headers["x-gatehouse-client-id"]).toBe(client.clientId);
    expect((await authz(request, tokens.access_token, "update:profile")).status).toBe(403);
  });

  test("public client (token_endpoint_auth_method none) with oauth4webapi", async ({ request }) => {
    const owner = await newDeveloper("oauth-spa-owner");
    const user = await newDeveloper("oauth-spa-user");
    const client = await createClient(owner, webApp(["read:profile"], { public: true }));
    expect(client.clientSecret).toBeUndefined();
    const as = await authorizationServer();
    const c: oauth.Client = { client_id: client.clientId, token_endpoint_auth_method: "none" };
    const { verifier, challenge } = await pkce();
    const state = oauth.generateRandomState();
    const url = new URL(as.authorization_endpoint!);
    url.search = new URLSearchParams({
      client_id: client.clientId,
      redirect_uri: REDIRECT_URI,
      response_type: "code",
      scope: "read:profile",
      state,
      code_challenge: challenge,
      code_challenge_method: "S256",
    }).toString();
    const { callback } = await authorize(user, url);

    const forged = new URL(callback);
    forged.searchParams.set("iss", "https://attacker.example");
    expect(() => oauth.validateAuthResponse(as, c, forged, state)).toThrow(/iss/);
    expect(() => oauth.validateAuthResponse(as, c, callback, "another-state")).toThrow(/state/);
    const params = oauth.validateAuthResponse(as, c, callback, state);

    const res = await oauth.authorizationCodeGrantRequest(
      as,
      c,
      oauth.None(),
      params,
      REDIRECT_URI,
      verifier,
      INSECURE,
    );
    expect(res.headers.get("cache-control")).toContain("no-store");
    const tokens = await oauth.processAuthorizationCodeResponse(as, c, res);
    expect(tokens.scope).toBe("read:profile");
    expect(tokens.refresh_token).toBeTruthy();
    const claims = await verifyAccessToken(tokens.access_token);
    expect(claims).toMatchObject({ client_id: client.clientId, scope: "read:profile" });
    await expectValid(request, tokens.access_token);

    // A public client refreshes without a secret; its refresh token rotates too (RFC 9700 §4.14.2).
    const refreshed = await oauth.processRefreshTokenResponse(
      as,
      c,
      await oauth.refreshTokenGrantRequest(as, c, oauth.None(), tokens.refresh_token!, INSECURE),
    );
    expect(refreshed.refresh_token).toBeTruthy();
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    await expectValid(request, refreshed.access_token);
    const replay = await oauth.refreshTokenGrantRequest(as, c, oauth.None(), tokens.refresh_token!, INSECURE);
    expect(await oauthError(oauth.processRefreshTokenResponse(as, c, replay))).toEqual({
      error: "invalid_grant",
      status: 400,
    });
    await expectRevoked(request, refreshed.access_token);
  });
});

test("refresh tokens rotate; replaying an old one fails and kills the whole family", async ({ request }) => {
  const owner = await newDeveloper("oauth-rt-owner");
  const user = await newDeveloper("oauth-rt-user");
  const client = await createClient(owner, webApp());
  const { config, tokens: t0 } = await codeFlow(user, client, "read:profile update:profile");
  expect(t0.refresh_token).toBeTruthy();

  const t1 = await oidc.refreshTokenGrant(config, t0.refresh_token!);
  const t2 = await oidc.refreshTokenGrant(config, t1.refresh_token!);
  const refreshTokens = [t0.refresh_token, t1.refresh_token, t2.refresh_token];
  expect(new Set(refreshTokens).size).toBe(3);
  expect(new Set([t0.access_token, t1.access_token, t2.access_token]).size).toBe(3);
  for (const t of [t1, t2]) {
    expect(t.scope).toBe("read:profile update:profile");
    const claims = await verifyAccessToken(t.access_token);
    expect(claims.sub).toBe(decodeJwt(t0.access_token).payload.sub);
    expect(claims.gid).toBe(decodeJwt(t0.access_token).payload.gid);
  }
  // A refresh may narrow the scope, never widen it.
  const narrowed = await oidc.refreshTokenGrant(config, t2.refresh_token!, { scope: "read:profile" });
  expect(narrowed.scope).toBe("read:profile");
  for (const t of [t0, t1, t2, narrowed]) await expectValid(request, t.access_token);

  // t0's refresh token was already used: reuse detection (RFC 9700 §4.14.2).
  expect(await oauthError(oidc.refreshTokenGrant(config, t0.refresh_token!))).toEqual({
    error: "invalid_grant",
    status: 400,
  });
  // …and the family is dead: the newest refresh token fails, every access token is REVOKED.
  expect(await oauthError(oidc.refreshTokenGrant(config, narrowed.refresh_token!))).toEqual({
    error: "invalid_grant",
    status: 400,
  });
  for (const t of [t0, t1, t2, narrowed]) await expectRevoked(request, t.access_token);
});

test("introspection (RFC 7662): authenticated callers only; own tokens only; unknown → {active:false}", async ({
  request,
}) => {
  const owner = await newDeveloper("oauth-intro-owner");
  const user = await newDeveloper("oauth-intro-user");
  const client = await createClient(owner, webApp());
  const other = await createClient(owner, webApp());
  const { config, tokens } = await codeFlow(user, client);
  const at = tokens.access_token;
  const rt = tokens.refresh_token!;

  await test.step("unauthenticated → 401 invalid_client", async () => {
    for (const res of [
      await postForm("/oauth/introspect", { token: rt }),
      await postForm("/oauth/introspect", { token: at, client_id: client.clientId }),
      await postForm("/oauth/introspect", { token: at }, { clientId: client.clientId, clientSecret: "gcs_wrong" }),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
    }
  });

  await test.step("the refresh token is active", async () => {
    const r = await oidc.tokenIntrospection(config, rt);
    expect(r).toMatchObject({
      active: true,
      client_id: client.clientId,
      sub: decodeJwt(at).payload.sub,
      scope: "read:profile",
      iss: ISSUER,
    });
  });

  await test.step("the JWT access token is active for its own client (openid-client and oauth4webapi)", async () => {
    const claims = decodeJwt(at).payload;
    const r = await oidc.tokenIntrospection(config, at);
    expect(r).toMatchObject({
      active: true,
      client_id: client.clientId,
      sub: claims.sub,
      scope: "read:profile",
      aud: AUDIENCE,
      exp: claims.exp,
      jti: claims.jti,
      token_type: "Bearer",
    });
    const as = await authorizationServer();
    const c: oauth.Client = { client_id: client.clientId };
    const res = await oauth.introspectionRequest(as, c, oauth.ClientSecretBasic(client.clientSecret!), at, INSECURE);
    expect(await oauth.processIntrospectionResponse(as, c, res)).toMatchObject({ active: true, jti: claims.jti });
  });

  await test.step("another client learns nothing about them", async () => {
    const otherConfig = await openidClient(other);
    expect(await oidc.tokenIntrospection(otherConfig, at)).toEqual({ active: false });
    expect(await oidc.tokenIntrospection(otherConfig, rt)).toEqual({ active: false });
  });

  await test.step('unknown tokens → exactly {"active":false}', async () => {
    const basic = { clientId: client.clientId, clientSecret: client.clientSecret! };
    for (const token of ["no-such-token", `${at.slice(0, -4)}AAAA`, "eyJhbGciOiJub25lIn0.e30."]) {
      const res = await postForm("/oauth/introspect", { token }, basic);
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toContain("no-store");
      expect(await res.text()).toBe('{"active":false}');
    }
  });
  await expectValid(request, at); // introspection changed nothing
});

test.describe("revocation (RFC 7009)", () => {
  test("revoking a refresh token stops its grant: access tokens REVOKED, /authz 401", async ({ request }) => {
    const owner = await newDeveloper("oauth-rev-rt-owner");
    const user = await newDeveloper("oauth-rev-rt-user");
    const client = await createClient(owner, webApp());
    const { config, tokens } = await codeFlow(user, client);
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    await expectValid(request, tokens.access_token);
    expect((await authz(request, refreshed.access_token)).status).toBe(200);

    await oidc.tokenRevocation(config, refreshed.refresh_token!, { token_type_hint: "refresh_token" });
    await expectRevoked(request, tokens.access_token);
    await expectRevoked(request, refreshed.access_token);
    expect(await oauthError(oidc.refreshTokenGrant(config, refreshed.refresh_token!))).toEqual({
      error: "invalid_grant",
      status: 400,
    });
    expect(await oidc.tokenIntrospection(config, refreshed.refresh_token!)).toEqual({ active: false });
    // RFC 7009 §2.2: revoking an already revoked (or unknown) token is still 200.
    await oidc.tokenRevocation(config, refreshed.refresh_token!);
    await oidc.tokenRevocation(config, "no-such-token");
  });

  test("revoking a JWT access token (oauth4webapi): only that token, only by its own client", async ({ request }) => {
    const owner = await newDeveloper("oauth-rev-at-owner");
    const user = await newDeveloper("oauth-rev-at-user");
    const client = await createClient(owner, webApp());
    const other = await createClient(owner, webApp());
    const { config, tokens } = await codeFlow(user, client);
    const sibling = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    const as = await authorizationServer();

    // Without (valid) client authentication: 401 invalid_client, and the token lives on.
    for (const res of [
      await postForm("/oauth/revoke", { token: tokens.access_token }),
      await postForm("/oauth/revoke", { token: tokens.access_token, client_id: client.clientId }),
      await postForm(
        "/oauth/revoke",
        { token: tokens.access_token },
        { clientId: client.clientId, clientSecret: "gcs_wrong" },
      ),
    ]) {
      expect(res.status).toBe(401);
      expect(((await res.json()) as { error: string }).error).toBe("invalid_client");
    }
    await expectValid(request, tokens.access_token);

    // Another client can't revoke it: 200 (nothing to tell it), but the token lives on…
    const o: oauth.Client = { client_id: other.clientId };
    const otherAuth = oauth.ClientSecretBasic(other.clientSecret!);
    await oauth.processRevocationResponse(
      await oauth.revocationRequest(as, o, otherAuth, tokens.access_token, INSECURE),
    );
    await expectValid(request, tokens.access_token);
    // …nor the refresh token: refused (RFC 7009 §2.1), and it still works.
    expect(
      await oauthError(
        oauth.processRevocationResponse(
          await oauth.revocationRequest(as, o, otherAuth, sibling.refresh_token!, INSECURE),
        ),
      ),
    ).toEqual({ error: "invalid_request", status: 400 });

    const c: oauth.Client = { client_id: client.clientId };
    const res = await oauth.revocationRequest(
      as,
      c,
      oauth.ClientSecretBasic(client.clientSecret!),
      tokens.access_token,
      { ...INSECURE, additionalParameters: { token_type_hint: "access_token" } },
    );
    expect(res.status).toBe(200);
    await oauth.processRevocationResponse(res);
    await expectRevoked(request, tokens.access_token);
    expect(await oidc.tokenIntrospection(config, tokens.access_token)).toEqual({ active: false });
    // Only that token: the rest of the grant keeps working.
    await expectValid(request, sibling.access_token);
    const again = await oidc.refreshTokenGrant(config, sibling.refresh_token!);
    await expectValid(request, again.access_token);
  });

  test("revoking the client (DELETE /api/v1/oauth-clients/{id}) revokes its tokens; it can't authenticate", async ({
    request,
  }) => {
    const owner = await newDeveloper("oauth-rev-client-owner");
    const user = await newDeveloper("oauth-rev-client-user");
    const client = await createClient(owner, {
      ...webApp(),
      grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
    });
    const { config, tokens } = await codeFlow(user, client);
    const cc = await oidc.clientCredentialsGrant(config, { scope: "read:profile" });
    await expectValid(request, tokens.access_token);
    await expectValid(request, cc.access_token);

    await revokeClient(owner, client.id);
    await expectRevoked(request, tokens.access_token);
    await expectRevoked(request, cc.access_token);
    expect(await oauthError(oidc.clientCredentialsGrant(config, { scope: "read:profile" }))).toEqual({
      error: "invalid_client",
      status: 401,
    });
    expect(await oauthError(oidc.refreshTokenGrant(config, tokens.refresh_token!))).toEqual({
      error: "invalid_client",
      status: 401,
    });
    // Nor can a user start a new authorization with it.
    const res = await user.request.get(
      (await codeFlowUrl(config, (await pkce()).verifier, "read:profile")).toString(),
      { maxRedirects: 0 },
    );
    expect(res.status()).toBe(400);
    expect(res.headers()["location"]).toBeUndefined();
  });
});

test("metadata: RFC 8414 and OpenID discovery agree, and advertise only what is allowed", async ({ request }) => {
  const oauthDoc = await request.get("/.well-known/oauth-authorization-server");
  const oidcDoc = await request.get("/.well-known/openid-configuration");
  expect(oauthDoc.status()).toBe(200);
  expect(oidcDoc.status()).toBe(200);
  expect(oauthDoc.headers()["content-type"]).toContain("application/json");
  const meta = (await oauthDoc.json()) as Record<string, unknown>;
  expect(await oidcDoc.json()).toEqual(meta);
  expect(meta).toMatchObject({
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/oauth/authorize`,
    token_endpoint: `${ISSUER}/oauth/token`,
    jwks_uri: `${ISSUER}/oauth/jwks`,
    introspection_endpoint: `${ISSUER}/oauth/introspect`,
    revocation_endpoint: `${ISSUER}/oauth/revoke`,
    code_challenge_methods_supported: ["S256"],
    response_types_supported: ["code"],
    authorization_response_iss_parameter_supported: true,
  });
  const grants = meta.grant_types_supported as string[];
  expect([...grants].sort()).toEqual(["authorization_code", "client_credentials", "refresh_token"]);
  expect(grants).not.toContain("implicit");
  expect(grants).not.toContain("password");
  expect(meta.token_endpoint_auth_methods_supported).toEqual(
    expect.arrayContaining(["client_secret_basic", "client_secret_post", "none"]),
  );

  // Both real clients accept the documents (they validate the issuer against the URL).
  const as = await authorizationServer();
  expect(as.issuer).toBe(ISSUER);
  const config = await oidc.discovery(new URL(ISSUER), "any-client", undefined, oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
  expect(config.serverMetadata().token_endpoint).toBe(`${ISSUER}/oauth/token`);

  const jwks = (await (await request.get("/oauth/jwks")).json()) as { keys: Record<string, unknown>[] };
  expect(jwks.keys.length).toBeGreaterThan(0);
  for (const k of jwks.keys) {
    expect(k).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(k.d).toBeUndefined(); // public halves only
  }
});

test("secret rotation: old secret works during the grace period, new at once; grace 0 ends the old at once", async () => {
  const owner = await newDeveloper("oauth-rotate");
  const client = await createClient(owner, { grantTypes: ["client_credentials"], scopes: ["read:profile"] });
  const tokenWith = async (secret: string) =>
    oidc.clientCredentialsGrant(await openidClient({ clientId: client.clientId, clientSecret: secret }), {
      scope: "read:profile",
    });
  const s0 = client.clientSecret!;
  await tokenWith(s0);

  const s1 = await rotateClientSecret(owner, client.id, 3600);
  expect((await tokenWith(s1)).access_token).toBeTruthy();
  expect((await tokenWith(s0)).access_token).toBeTruthy();

  const s2 = await rotateClientSecret(owner, client.id, 0);
  expect((await tokenWith(s2)).access_token).toBeTruthy();
  expect(await oauthError(tokenWith(s1))).toEqual({ error: "invalid_client", status: 401 });
  expect(await oauthError(tokenWith(s0))).toEqual({ error: "invalid_client", status: 401 });
});
