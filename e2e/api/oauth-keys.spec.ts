// Signing-key rotation (admin only): tokens signed before keep verifying,
// tokens signed after carry the new kid, the JWKS publishes both. Rotation
// changes global state — the other OAuth specs never depend on a particular kid.
import { expect, request as playwrightRequest, test } from "@playwright/test";
import { createRemoteJWKSet, jwtVerify } from "jose";
import * as oidc from "openid-client";
import { baseURL } from "../../playwright.config";
import { ADMIN_EMAIL, ADMIN_PASSWORD, managementToken, newDeveloper, signIn } from "../fixtures";
import { AUDIENCE, authz, createClient, decodeJwt, ISSUER, openidClient, verifyToken } from "../oauth";

test.describe.configure({ mode: "serial" });

const ROTATE = "/api/v1/admin/signing-keys/rotate";

async function publishedKids(): Promise<string[]> {
  const res = await fetch(new URL("/oauth/jwks", ISSUER));
  expect(res.status).toBe(200);
  return ((await res.json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
}

async function resourceServerVerifies(token: string) {
  const { protectedHeader, payload } = await jwtVerify(token, createRemoteJWKSet(new URL("/oauth/jwks", ISSUER)), {
    issuer: ISSUER,
    audience: AUDIENCE,
    typ: "at+jwt",
    algorithms: ["ES256"],
  });
  return { kid: protectedHeader.kid, payload };
}

test("only a platform admin may rotate the signing key", async () => {
  const dev = await newDeveloper("oauth-keys-nonadmin");
  const token = await managementToken(dev);
  const api = await playwrightRequest.newContext({ baseURL });
  const before = await publishedKids();

  const withToken = await api.post(ROTATE, { headers: { authorization: `Bearer ${token}` } });
  expect(withToken.status()).toBe(403);
  expect(((await withToken.json()) as { error: { code: string } }).error.code).toBe("forbidden");
  const withSession = await dev.request.post(ROTATE);
  expect(withSession.status()).toBe(403);
  const anonymous = await api.post(ROTATE);
  expect(anonymous.status()).toBe(401);

  expect(await publishedKids()).toEqual(before);
  await api.dispose();
});

test("rotation: old tokens still verify, new tokens use the new kid, the JWKS lists both", async ({ request }) => {
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const adminToken = await managementToken(admin);
  const owner = await newDeveloper("oauth-keys");
  const client = await createClient(owner, { grantTypes: ["client_credentials"], scopes: ["read:profile"] });
  const config = await openidClient(client);

  const old = (await oidc.clientCredentialsGrant(config, { scope: "read:profile" })).access_token;
  const oldKid = String(decodeJwt(old).header.kid);
  expect(await publishedKids()).toContain(oldKid);
  expect((await verifyToken(request, old)).code).toBe("VALID");

  const api = await playwrightRequest.newContext({ baseURL });
  const res = await api.post(ROTATE, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(res.status(), await res.text()).toBe(200);
  const { kid: newKid } = (await res.json()) as { kid: string };
  expect(newKid).toBeTruthy();
  expect(newKid).not.toBe(oldKid);

  // The new key signs as soon as the provider has reloaded (an event, not a restart).
  let fresh = "";
  await expect
    .poll(
      async () => {
        fresh = (await oidc.clientCredentialsGrant(config, { scope: "read:profile" })).access_token;
        return decodeJwt(fresh).header.kid;
      },
      { timeout: 5_000 },
    )
    .toBe(newKid);

  const kids = await publishedKids();
  expect(kids).toContain(oldKid);
  expect(kids).toContain(newKid);

  // Both verify — at the data plane and for a resource server using the JWKS.
  for (const token of [old, fresh]) {
    expect((await verifyToken(request, token)).code).toBe("VALID");
    expect((await authz(request, token)).status).toBe(200);
    expect((await resourceServerVerifies(token)).payload.client_id).toBe(client.clientId);
  }
  expect((await resourceServerVerifies(old)).kid).toBe(oldKid);
  expect((await resourceServerVerifies(fresh)).kid).toBe(newKid);
  // Introspection (the issuing client) agrees.
  expect((await oidc.tokenIntrospection(config, old)).active).toBe(true);
  expect((await oidc.tokenIntrospection(config, fresh)).active).toBe(true);
  await api.dispose();
});
