// REST contract of /api/v1/oauth-clients: create, list, get, rotate, revoke;
// the one error shape; tenant isolation (404); the OpenAPI description.
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { expectApiError, managementToken, newDeveloper, type SignedIn } from "../fixtures";

const CREATED_FIELDS = [
  "clientId",
  "clientSecret",
  "createdAt",
  "grantTypes",
  "id",
  "name",
  "redirectUris",
  "scopes",
  "type",
];
const VIEW_FIELDS = [
  "clientId",
  "createdAt",
  "grantTypes",
  "id",
  "name",
  "previousSecretExpiresAt",
  "redirectUris",
  "revokedAt",
  "scopes",
  "secretLast4",
  "status",
  "tokenEndpointAuthMethod",
  "type",
];
const CLIENT_ID = /^gc_[0-9A-Za-z]{24}$/;
const CLIENT_SECRET = /^gcs_[0-9A-Za-z]{38}$/;

const WEB_CLIENT = {
  name: "reporting",
  grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
  redirectUris: ["https://app.example.com/callback", "http://127.0.0.1:8080/cb/"],
  scopes: ["read:profile", "view:logs"],
};

async function anonymous(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL });
}

type Auth = { label: string; ctx: APIRequestContext; headers: Record<string, string> };

/** The same contract with a management token and with the session cookie. */
async function authModes(dev: SignedIn): Promise<Auth[]> {
  const token = await managementToken(dev);
  return [
    { label: "management token", ctx: await anonymous(), headers: { authorization: `Bearer ${token}` } },
    { label: "session cookie", ctx: dev.request, headers: {} },
  ];
}

test.describe("management API /api/v1/oauth-clients", () => {
  test("create, list, get, rotate and revoke (token and session)", async () => {
    const dev = await newDeveloper("api-oauth");
    for (const { label, ctx, headers } of await authModes(dev)) {
      await test.step(label, async () => {
        const name = `${WEB_CLIENT.name} ${label}`;
        const res = await ctx.post("/api/v1/oauth-clients", { headers, data: { ...WEB_CLIENT, name } });
        expect(res.status(), await res.text()).toBe(201);
        expect(res.headers()["cache-control"]).toContain("no-store");
        const created = (await res.json()) as Record<string, unknown>;
        expect(Object.keys(created).sort()).toEqual(CREATED_FIELDS);
        expect(created).toMatchObject({
          name,
          type: "confidential",
          grantTypes: WEB_CLIENT.grantTypes,
          redirectUris: WEB_CLIENT.redirectUris,
          scopes: WEB_CLIENT.scopes,
        });
        expect(created.clientId).toMatch(CLIENT_ID);
        expect(created.clientSecret).toMatch(CLIENT_SECRET);
        expect(new Date(String(created.createdAt)).toISOString()).toBe(created.createdAt);
        const id = String(created.id);
        const secret = String(created.clientSecret);

        const list = await ctx.get("/api/v1/oauth-clients", { headers });
        expect(list.status()).toBe(200);
        const listText = await list.text();
        expect(listText).not.toContain(secret);
        const listed = (JSON.parse(listText) as { data: Record<string, unknown>[] }).data.find((c) => c.id === id);
        expect(listed).toBeDefined();
        expect(Object.keys(listed!).sort()).toEqual(VIEW_FIELDS);
        expect(listed).toMatchObject({
          clientId: created.clientId,
          tokenEndpointAuthMethod: "client_secret_basic",
          secretLast4: secret.slice(-4),
          previousSecretExpiresAt: null,
          status: "active",
          revokedAt: null,
        });

        const one = await ctx.get(`/api/v1/oauth-clients/${id}`, { headers });
        expect(one.status()).toBe(200);
        expect(await one.json()).toEqual(listed);

        const rotate = await ctx.post(`/api/v1/oauth-clients/${id}/rotate-secret`, {
          headers,
          data: { gracePeriodSeconds: 86_400 },
        });
        expect(rotate.status(), await rotate.text()).toBe(200);
        const rotated = (await rotate.json()) as Record<string, unknown>;
        expect(Object.keys(rotated).sort()).toEqual(["clientId", "clientSecret", "id", "previousSecretExpiresAt"]);
        expect(rotated).toMatchObject({ id, clientId: created.clientId });
        expect(rotated.clientSecret).toMatch(CLIENT_SECRET);
        expect(rotated.clientSecret).not.toBe(secret);
        const until = new Date(String(rotated.previousSecretExpiresAt)).getTime();
        expect(Math.abs(until - (Date.now() + 86_400_000))).toBeLessThan(60_000);
        const afterRotate = (await (await ctx.get(`/api/v1/oauth-clients/${id}`, { headers })).json()) as Record<
          string,
          unknown
        >;
        expect(afterRotate).toMatchObject({
          secretLast4: String(rotated.clientSecret).slice(-4),
          previousSecretExpiresAt: rotated.previousSecretExpiresAt,
        });

        // No body at all: the default grace period (one hour).
        const byDefault = await ctx.post(`/api/v1/oauth-clients/${id}/rotate-secret`, { headers });
        expect(byDefault.status()).toBe(200);
        const defUntil = new Date(
          String(((await byDefault.json()) as Record<string, unknown>).previousSecretExpiresAt),
        );
        expect(Math.abs(defUntil.getTime() - (Date.now() + 3_600_000))).toBeLessThan(60_000);

        const immediate = await ctx.post(`/api/v1/oauth-clients/${id}/rotate-secret`, {
          headers,
          data: { gracePeriodSeconds: 0 },
        });
        expect(immediate.status()).toBe(200);
        expect(((await immediate.json()) as Record<string, unknown>).previousSecretExpiresAt).toBeNull();

        const del = await ctx.delete(`/api/v1/oauth-clients/${id}`, { headers });
        expect(del.status()).toBe(200);
        const revoked = (await del.json()) as Record<string, unknown>;
        expect(Object.keys(revoked).sort()).toEqual(VIEW_FIELDS);
        expect(revoked).toMatchObject({ id, status: "revoked", previousSecretExpiresAt: null });
        expect(new Date(String(revoked.revokedAt)).toISOString()).toBe(revoked.revokedAt);

        // Idempotent: the same revoked client again.
        const again = await ctx.delete(`/api/v1/oauth-clients/${id}`, { headers });
        expect(again.status()).toBe(200);
        expect(await again.json()).toEqual(revoked);

        await expectApiError(
          await ctx.post(`/api/v1/oauth-clients/${id}/rotate-secret`, { headers, data: {} }),
          409,
          "conflict",
        );
      });
    }
  });

  test("public clients get no secret and cannot rotate one", async () => {
    const dev = await newDeveloper("api-oauth-public");
    const token = await managementToken(dev);
    const api = await anonymous();
    const headers = { authorization: `Bearer ${token}` };
    const res = await api.post("/api/v1/oauth-clients", {
      headers,
      data: {
        name: "spa",
        public: true,
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: ["http://localhost:5173/callback"],
        scopes: ["read:profile"],
      },
    });
    expect(res.status(), await res.text()).toBe(201);
    const created = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(created).sort()).toEqual(CREATED_FIELDS.filter((f) => f !== "clientSecret"));
    expect(created.type).toBe("public");
    const view = (await (await api.get(`/api/v1/oauth-clients/${String(created.id)}`, { headers })).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({ type: "public", tokenEndpointAuthMethod: "none", secretLast4: null });
    const err = await expectApiError(
      await api.post(`/api/v1/oauth-clients/${String(created.id)}/rotate-secret`, { headers, data: {} }),
      422,
      "validation_failed",
    );
    expect(err.message).toContain("Public clients");
    await api.dispose();
  });

  test("error shapes; failed requests create nothing", async () => {
    const dev = await newDeveloper("api-oauth-errors");
    const token = await managementToken(dev);
    const api = await anonymous();
    const headers = { authorization: `Bearer ${token}` };
    const post = (data: unknown) =>
      api.post("/api/v1/oauth-clients", { headers, data: data as Record<string, unknown> });

    await test.step("malformed JSON → 400", async () => {
      await expectApiError(
        await api.post("/api/v1/oauth-clients", {
          headers: { ...headers, "content-type": "application/json" },
          data: Buffer.from('{"name":'),
        }),
        400,
        "invalid_json",
      );
    });

    const cases: [string, unknown, string][] = [
      ["missing name", { ...WEB_CLIENT, name: "" }, "Give the client a name."],
      ["no grant types", { ...WEB_CLIENT, grantTypes: [] }, "Choose at least one grant type."],
      ["unknown grant type", { ...WEB_CLIENT, grantTypes: ["password"] }, "expected one of"],
      [
        "code without redirect URIs",
        { ...WEB_CLIENT, redirectUris: [] },
        "authorization_code needs at least one redirect URI.",
      ],
      [
        "redirect URIs without code",
        { ...WEB_CLIENT, grantTypes: ["client_credentials"] },
        "Redirect URIs are only used with authorization_code",
      ],
      [
        "refresh_token without code",
        { name: "x", grantTypes: ["refresh_token", "client_credentials"], scopes: [] },
        "refresh_token needs authorization_code",
      ],
      [
        "public client_credentials",
        { name: "x", public: true, grantTypes: ["client_credentials"], scopes: [] },
        "A public client cannot use client_credentials",
      ],
      ["http redirect URI", { ...WEB_CLIENT, redirectUris: ["http://app.example.com/cb"] }, "must use https"],
      ["fragment", { ...WEB_CLIENT, redirectUris: ["https://app.example.com/cb#x"] }, "fragment"],
      ["relative redirect URI", { ...WEB_CLIENT, redirectUris: ["/cb"] }, "absolute URL"],
      ["unknown field", { ...WEB_CLIENT, clientSecret: "mine" }, "clientSecret"],
      ["unknown scope", { ...WEB_CLIENT, scopes: ["read:profile", "admin:all"] }, "Unknown scope: admin:all"],
    ];
    for (const [label, body, message] of cases) {
      await test.step(`${label} → 422`, async () => {
        const err = await expectApiError(await post(body), 422, "validation_failed");
        expect(err.message).toContain(message);
        expect(Array.isArray(err.details)).toBe(true);
      });
    }

    await test.step("rotate: bad grace period → 422", async () => {
      const created = (await (await post(WEB_CLIENT)).json()) as { id: string };
      for (const data of [
        { gracePeriodSeconds: -1 },
        { gracePeriodSeconds: 2_592_001 },
        { gracePeriodSeconds: 1.5 },
        { x: 1 },
      ]) {
        await expectApiError(
          await api.post(`/api/v1/oauth-clients/${created.id}/rotate-secret`, { headers, data }),
          422,
          "validation_failed",
        );
      }
      await api.delete(`/api/v1/oauth-clients/${created.id}`, { headers });
    });

    await test.step("only the one valid client exists", async () => {
      const list = (await (await api.get("/api/v1/oauth-clients", { headers })).json()) as {
        data: { status: string }[];
      };
      expect(list.data.map((c) => c.status)).toEqual(["revoked"]);
    });

    await test.step("no credentials → 401; unknown id → 404", async () => {
      await expectApiError(await api.get("/api/v1/oauth-clients"), 401, "unauthorized");
      await expectApiError(await api.post("/api/v1/oauth-clients", { data: WEB_CLIENT }), 401, "unauthorized");
      await expectApiError(await api.get("/api/v1/oauth-clients/nope", { headers }), 404, "not_found");
      await expectApiError(await api.delete("/api/v1/oauth-clients/nope", { headers }), 404, "not_found");
      await expectApiError(await api.post("/api/v1/oauth-clients/nope/rotate-secret", { headers }), 404, "not_found");
    });

    await test.step("session cookie from another origin → 403 (CSRF)", async () => {
      await expectApiError(
        await dev.request.post("/api/v1/oauth-clients", {
          headers: { origin: "http://evil.example" },
          data: WEB_CLIENT,
        }),
        403,
        "forbidden",
      );
    });
    await api.dispose();
  });

  test("another tenant's client is 404 for get, rotate and revoke", async () => {
    const alice = await newDeveloper("api-oauth-alice");
    const bob = await newDeveloper("api-oauth-bob");
    const aliceToken = await managementToken(alice);
    const bobToken = await managementToken(bob);
    const api = await anonymous();
    const res = await api.post("/api/v1/oauth-clients", {
      headers: { authorization: `Bearer ${aliceToken}` },
      data: WEB_CLIENT,
    });
    const { id } = (await res.json()) as { id: string };

    for (const { label, ctx, headers } of [
      { label: "token", ctx: api, headers: { authorization: `Bearer ${bobToken}` } },
      { label: "session", ctx: bob.request, headers: {} },
    ]) {
      await test.step(label, async () => {
        await expectApiError(await ctx.get(`/api/v1/oauth-clients/${id}`, { headers }), 404, "not_found");
        await expectApiError(await ctx.delete(`/api/v1/oauth-clients/${id}`, { headers }), 404, "not_found");
        await expectApiError(
          await ctx.post(`/api/v1/oauth-clients/${id}/rotate-secret`, { headers, data: { gracePeriodSeconds: 0 } }),
          404,
          "not_found",
        );
        const list = (await (await ctx.get("/api/v1/oauth-clients", { headers })).json()) as { data: unknown[] };
        expect(list.data).toEqual([]);
      });
    }

    const still = (await (
      await api.get(`/api/v1/oauth-clients/${id}`, { headers: { authorization: `Bearer ${aliceToken}` } })
    ).json()) as Record<string, unknown>;
    expect(still).toMatchObject({ status: "active", previousSecretExpiresAt: null });
    await api.dispose();
  });
});

test("/api/v1/openapi.json describes the OAuth client endpoints", async () => {
  const api = await anonymous();
  const doc = (await (await api.get("/api/v1/openapi.json")).json()) as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
  };
  const methods = (p: string) =>
    Object.keys(doc.paths[p] ?? {})
      .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
      .sort();
  expect(methods("/api/v1/oauth-clients")).toEqual(["get", "post"]);
  expect(methods("/api/v1/oauth-clients/{id}")).toEqual(["delete", "get", "patch"]);
  expect(methods("/api/v1/oauth-clients/{id}/rotate-secret")).toEqual(["post"]);
  const create = doc.components.schemas.CreateOAuthClientRequest;
  expect(Object.keys(create.properties ?? {}).sort()).toEqual([
    "grantTypes",
    "name",
    "public",
    "redirectUris",
    "scopes",
    "tokenEndpointAuthMethod",
  ]);
  expect(create.required).toEqual(["name", "grantTypes", "scopes"]);
  for (const schema of ["OAuthClient", "CreatedOAuthClient", "RotatedOAuthClientSecret"]) {
    expect(Object.keys(doc.components.schemas[schema].properties ?? {}).filter((k) => /hash/i.test(k))).toEqual([]);
  }
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  await api.dispose();
});
