// REST contract of the management API (/api/v1), the data plane (/v1/verify,
// /authz, /healthz, /readyz), the OpenAPI document, and the sign-up / sign-in
// abuse protections. Every test seeds its own users (DESIGN.md §3.10).
import SwaggerParser from "@apidevtools/swagger-parser";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { generateSecret } from "../../lib/credentials/format";
import { baseURL } from "../../playwright.config";
import {
  createKey,
  expectApiError,
  managementToken,
  newDeveloper,
  PASSWORD,
  signIn,
  uniqueEmail,
  verify,
  type SignedIn,
} from "../fixtures";

const CREATED_KEY_FIELDS = ["createdAt", "environment", "expiresAt", "id", "key", "name", "prefix", "scopes"];

async function anonymous(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL });
}

type Auth = { label: string; ctx: APIRequestContext; headers: Record<string, string> };

/** The same API contract, once with a management token and once with the session cookie. */
async function authModes(dev: SignedIn): Promise<Auth[]> {
  const token = await managementToken(dev);
  const tokenCtx = await anonymous();
  return [
    { label: "management token", ctx: tokenCtx, headers: { authorization: `Bearer ${token}` } },
    { label: "session cookie", ctx: dev.request, headers: {} },
  ];
}

test.describe("management API /api/v1/keys", () => {
  test("create, list, get and revoke (token and session)", async () => {
    const dev = await newDeveloper("api-crud");
    for (const { label, ctx, headers } of await authModes(dev)) {
      await test.step(label, async () => {
        const name = `contract ${label}`;
        const created = await ctx.post("/api/v1/keys", {
          headers,
          data: { name, scopes: ["read:profile"], environment: "test" },
        });
        expect(created.status(), await created.text()).toBe(201);
        const key = (await created.json()) as Record<string, unknown>;
        expect(Object.keys(key).sort()).toEqual(CREATED_KEY_FIELDS);
        expect(key.key).toMatch(/^gk_test_[0-9A-Za-z]{38}$/);
        expect(key).toMatchObject({
          prefix: "gk_test_",
          name,
          scopes: ["read:profile"],
          environment: "test",
          expiresAt: null,
        });
        expect(typeof key.id).toBe("string");
        expect(new Date(String(key.createdAt)).toISOString()).toBe(key.createdAt);
        const secret = String(key.key);
        const id = String(key.id);

        const list = await ctx.get("/api/v1/keys", { headers });
        expect(list.status()).toBe(200);
        const listText = await list.text();
        expect(listText).not.toContain(secret);
        expect(listText).not.toContain(secret.slice("gk_test_".length));
        const { data } = JSON.parse(listText) as { data: Record<string, unknown>[] };
        expect(Array.isArray(data)).toBe(true);
        const listed = data.find((k) => k.id === id);
        expect(listed).toMatchObject({
          id,
          name,
          status: "active",
          prefix: "gk_test_",
          last4: secret.slice(-4),
          display: `gk_test_…${secret.slice(-4)}`,
        });
        for (const k of data) {
          expect(k).not.toHaveProperty("hash");
          expect(k).not.toHaveProperty("key");
          expect(k).not.toHaveProperty("secret");
        }

        const one = await ctx.get(`/api/v1/keys/${id}`, { headers });
        expect(one.status()).toBe(200);
        const oneText = await one.text();
        expect(oneText).not.toContain(secret);
        const oneBody = JSON.parse(oneText) as Record<string, unknown>;
        expect(oneBody).toMatchObject({
          id,
          name,
          status: "active",
          scopes: ["read:profile"],
          environment: "test",
          revokedAt: null,
        });
        expect(oneBody).not.toHaveProperty("hash");
        expect(oneBody).not.toHaveProperty("key");

        const revoked = await ctx.delete(`/api/v1/keys/${id}`, { headers });
        expect(revoked.status()).toBe(200);
        const revokedBody = (await revoked.json()) as { id: string; status: string; revokedAt: string | null };
        expect(revokedBody).toMatchObject({ id, status: "revoked" });
        expect(revokedBody.revokedAt).not.toBeNull();
        expect((await verify(ctx, secret)).body.code).toBe("REVOKED");

        const again = await ctx.delete(`/api/v1/keys/${id}`, { headers });
        expect(again.status()).toBe(200);
        const againBody = (await again.json()) as { id: string; status: string; revokedAt: string | null };
        expect(againBody).toMatchObject({ id, status: "revoked", revokedAt: revokedBody.revokedAt });
      });
    }
  });

  test("errors share one shape with the right status", async () => {
    const dev = await newDeveloper("api-errors");
    const token = await managementToken(dev);
    const api = await anonymous();
    const auth = { authorization: `Bearer ${token}` };

    await test.step("malformed JSON → 400 invalid_json", async () => {
      const res = await api.post("/api/v1/keys", {
        headers: { ...auth, "content-type": "application/json" },
        data: Buffer.from('{"name": "x",'),
      });
      await expectApiError(res, 400, "invalid_json");
    });

    await test.step("empty name → 422 with details", async () => {
      const err = await expectApiError(
        await api.post("/api/v1/keys", { headers: auth, data: { name: "" } }),
        422,
        "validation_failed",
      );
      expect(err.details).toEqual(
        expect.arrayContaining([expect.objectContaining({ path: "name", message: expect.any(String) })]),
      );
    });

    await test.step("unknown scope → 422 naming it", async () => {
      const err = await expectApiError(
        await api.post("/api/v1/keys", {
          headers: auth,
          data: { name: "x", scopes: ["read:profile", "launch:missiles"] },
        }),
        422,
        "validation_failed",
      );
      expect(err.message).toContain("launch:missiles");
      expect(err.message).not.toContain("read:profile");
    });

    await test.step("expiresAt in the past → 422", async () => {
      const err = await expectApiError(
        await api.post("/api/v1/keys", {
          headers: auth,
          data: { name: "x", expiresAt: new Date(Date.now() - 60_000).toISOString() },
        }),
        422,
        "validation_failed",
      );
      expect(JSON.stringify(err)).toContain("expiresAt");
    });

    await test.step("unknown field → 422", async () => {
      const err = await expectApiError(
        await api.post("/api/v1/keys", { headers: auth, data: { name: "x", admin: true } }),
        422,
        "validation_failed",
      );
      expect(err.message).toContain("admin");
    });

    await test.step("nothing was created by the failed requests", async () => {
      const res = await api.get("/api/v1/keys", { headers: auth });
      expect(res.status()).toBe(200);
      expect(((await res.json()) as { data: unknown[] }).data).toEqual([]);
    });

    await test.step("no credentials → 401", async () => {
      await expectApiError(await api.get("/api/v1/keys"), 401, "unauthorized");
      await expectApiError(await api.post("/api/v1/keys", { data: { name: "x" } }), 401, "unauthorized");
    });

    await test.step("bad token → 401", async () => {
      const bad = `gmt_${"A".repeat(38)}`;
      await expectApiError(
        await api.get("/api/v1/keys", { headers: { authorization: `Bearer ${bad}` } }),
        401,
        "unauthorized",
      );
      await expectApiError(
        await api.get("/api/v1/keys", { headers: { authorization: "Bearer nonsense" } }),
        401,
        "unauthorized",
      );
      // A wrong bearer never falls back to the session cookie.
      await expectApiError(
        await dev.request.get("/api/v1/keys", { headers: { authorization: `Bearer ${bad}` } }),
        401,
        "unauthorized",
      );
    });

    await test.step("Basic auth → 401", async () => {
      await expectApiError(
        await api.get("/api/v1/keys", { headers: { authorization: "Basic x" } }),
        401,
        "unauthorized",
      );
      await expectApiError(
        await api.get("/api/v1/keys", { headers: { authorization: `Basic ${token}` } }),
        401,
        "unauthorized",
      );
    });

    await test.step("session cookie from another origin → 403 (CSRF)", async () => {
      await expectApiError(
        await dev.request.post("/api/v1/keys", { headers: { origin: "http://evil.example" }, data: { name: "csrf" } }),
        403,
        "forbidden",
      );
      // No Origin header at all is refused too (the cookie alone proves nothing).
      const noOrigin = await playwrightRequest.newContext({ baseURL, storageState: dev.storageState });
      await expectApiError(await noOrigin.post("/api/v1/keys", { data: { name: "csrf" } }), 403, "forbidden");
      // The same session may still read (safe method), and the refused writes created nothing.
      const list = await noOrigin.get("/api/v1/keys");
      expect(list.status()).toBe(200);
      expect(((await list.json()) as { data: unknown[] }).data).toEqual([]);
      await noOrigin.dispose();
    });

    await test.step("unknown id → 404", async () => {
      await expectApiError(await api.get("/api/v1/keys/does-not-exist", { headers: auth }), 404, "not_found");
      await expectApiError(await api.delete("/api/v1/keys/does-not-exist", { headers: auth }), 404, "not_found");
    });

    await test.step("unknown path → 404 JSON", async () => {
      await expectApiError(await api.get("/api/v1/nope", { headers: auth }), 404, "not_found");
      await expectApiError(await api.post("/api/v1/nope", { data: {} }), 404, "not_found");
    });
    await api.dispose();
  });

  test("a key with expiresAt stops verifying once it has passed", async () => {
    const dev = await newDeveloper("api-expiry");
    const token = await managementToken(dev);
    const expiresAt = new Date(Date.now() + 2_000);
    const { key } = await createKey(dev.request, token, {
      name: "short-lived",
      scopes: ["read:profile"],
      expiresAt: expiresAt.toISOString(),
    });
    const before = await verify(dev.request, key, ["read:profile"]);
    expect(before.body).toMatchObject({ valid: true, code: "VALID", expiresAt: expiresAt.toISOString() });
    const wait = expiresAt.getTime() - Date.now() + 250;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const after = await verify(dev.request, key, ["read:profile"]);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ valid: false, code: "EXPIRED" });
  });
});

test.describe("data plane", () => {
  test("/v1/verify contract", async () => {
    const api = await anonymous();
    await expectApiError(
      await api.post("/v1/verify", { headers: { "content-type": "application/json" }, data: Buffer.from('{"key":') }),
      400,
      "invalid_json",
    );
    await expectApiError(await api.post("/v1/verify", { data: [] }), 422, "validation_failed");
    await expectApiError(await api.post("/v1/verify", { data: { key: 5 } }), 422, "validation_failed");
    await expectApiError(
      await api.post("/v1/verify", { data: { key: "gk_live_x", scopes: "read:profile" } }),
      422,
      "validation_failed",
    );

    const garbage = await verify(api, "not-a-key-at-all");
    expect(garbage).toEqual({ status: 200, body: { valid: false, code: "MALFORMED" } });
    // Right prefix and length, wrong checksum: still rejected without a lookup.
    const typo = generateSecret("gk_live_");
    const flipped = typo.slice(0, 10) + (typo[10] === "a" ? "b" : "a") + typo.slice(11);
    expect((await verify(api, flipped)).body).toEqual({ valid: false, code: "MALFORMED" });

    const unknown = await verify(api, generateSecret("gk_live_"));
    expect(unknown).toEqual({ status: 200, body: { valid: false, code: "NOT_FOUND" } });

    const get = await api.get("/v1/verify");
    await expectApiError(get, 405, "method_not_allowed");
    expect(get.headers()["allow"]).toBe("POST");
    await api.dispose();
  });

  test("/authz forward-auth contract", async () => {
    const dev = await newDeveloper("api-authz");
    const token = await managementToken(dev);
    const { id, key } = await createKey(dev.request, token, { name: "authz", scopes: ["read:profile", "view:logs"] });
    const api = await anonymous();

    const missing = await api.get("/authz");
    await expectApiError(missing, 401, "unauthorized");
    expect(missing.headers()["www-authenticate"]).toContain('error="invalid_token"');

    const bogus = await api.get("/authz", { headers: { authorization: "Bearer not-a-key" } });
    await expectApiError(bogus, 401, "unauthorized");
    expect(bogus.headers()["www-authenticate"]).toContain('error="invalid_token"');

    const lacking = await api.get("/authz", {
      headers: { authorization: `Bearer ${key}`, "x-required-scopes": "read:profile delete:user" },
    });
    await expectApiError(lacking, 403, "forbidden");
    expect(lacking.headers()["www-authenticate"]).toContain('error="insufficient_scope"');
    expect(lacking.headers()["www-authenticate"]).toContain("delete:user");

    const ok = await api.get("/authz", {
      headers: { authorization: `Bearer ${key}`, "x-required-scopes": "read:profile" },
    });
    expect(ok.status()).toBe(200);
    const verified = await verify(api, key);
    expect(verified.body.valid).toBe(true);
    const orgId = (verified.body as { orgId?: string }).orgId;
    expect(orgId).toBeTruthy();
    expect(ok.headers()["x-gatehouse-key-id"]).toBe(id);
    expect(ok.headers()["x-gatehouse-org-id"]).toBe(orgId);
    expect(ok.headers()["x-gatehouse-scopes"]?.split(" ").sort()).toEqual(["read:profile", "view:logs"]);

    const viaHeader = await api.get("/authz/some/upstream/path", { headers: { "x-api-key": key } });
    expect(viaHeader.status()).toBe(200);
    expect(viaHeader.headers()["x-gatehouse-key-id"]).toBe(id);

    const health = await api.get("/healthz");
    expect(health.status()).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await api.get("/readyz");
    expect(ready.status()).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready" });
    await api.dispose();
  });
});

test("/api/v1/openapi.json describes the management API", async () => {
  const api = await anonymous();
  const res = await api.get("/api/v1/openapi.json");
  expect(res.status()).toBe(200);
  const doc = (await res.json()) as {
    openapi: string;
    paths: Record<string, Record<string, unknown>>;
    components: {
      schemas: Record<
        string,
        { properties?: Record<string, unknown>; required?: string[]; additionalProperties?: boolean }
      >;
    };
  };
  expect(doc.openapi).toBe("3.1.0");
  const methods = (p: string) =>
    Object.keys(doc.paths[p] ?? {})
      .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
      .sort();
  expect(methods("/api/v1/keys")).toEqual(["get", "post"]);
  expect(methods("/api/v1/keys/{id}")).toEqual(["delete", "get", "patch"]);
  expect(methods("/api/v1/tokens")).toEqual(["get", "post"]);
  const create = doc.components.schemas.CreateKeyRequest;
  expect(Object.keys(create.properties ?? {}).sort()).toEqual(["environment", "expiresAt", "name", "scopes"]);
  expect(create.required).toEqual(["name"]);
  expect(create.additionalProperties).toBe(false);
  // A structurally valid OpenAPI 3.1 document (validate() mutates its input, so give it a copy).
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  await api.dispose();
});

test.describe("account abuse protections", () => {
  test("signing up with a registered email answers exactly like a new sign-up", async () => {
    const api = await anonymous();
    const email = uniqueEmail("enum");
    const first = await api.post("/api/auth/sign-up", { data: { email, password: PASSWORD } });
    const second = await api.post("/api/auth/sign-up", { data: { email, password: "a different password 123" } });
    expect(first.status()).toBe(200);
    expect(second.status()).toBe(first.status());
    expect(await second.text()).toBe(await first.text());
    // The second sign-up did not take the account over: only the first password works.
    await expect(signIn(email, "a different password 123")).rejects.toThrow(/sign-in failed: 401/);
    const owner = await signIn(email);
    expect(owner.email).toBe(email);
    await api.dispose();
  });

  test("six wrong passwords lock the account, not other accounts", async () => {
    const victim = await newDeveloper("locked");
    const bystander = await newDeveloper("bystander");
    const ctx = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });

    async function attempt(email: string, password: string) {
      const { csrfToken } = (await (await ctx.get("/api/auth/csrf")).json()) as { csrfToken: string };
      const res = await ctx.post("/api/auth/callback/credentials", {
        form: { csrfToken, email, password, json: "true" },
        maxRedirects: 0,
      });
      const { url } = (await res.json()) as { url: string };
      const error = new URL(url, baseURL).searchParams.get("error");
      return {
        status: res.status(),
        error,
        setsSession: (res.headers()["set-cookie"] ?? "").includes("session-token"),
      };
    }

    const wrong = [];
    for (let i = 0; i < 6; i++) wrong.push(await attempt(victim.email, `wrong password ${i}`));
    // Five failures are plain "invalid"; the sixth is refused by the per-account limiter.
    expect(wrong.slice(0, 5)).toEqual(Array(5).fill({ status: 401, error: "CredentialsSignin", setsSession: false }));
    expect(wrong[5]).toMatchObject({ status: 401, setsSession: false });
    expect(wrong[5].error).toMatch(/^rate_limited:\d+$/);
    expect(Number(wrong[5].error!.split(":")[1])).toBeGreaterThan(0);

    const right = await attempt(victim.email, PASSWORD);
    expect(right).toMatchObject({ status: 401, setsSession: false });
    expect(right.error).toMatch(/^rate_limited:\d+$/);
    // The email is normalised before limiting: changing its case does not reset the counter.
    expect((await attempt(victim.email.toUpperCase(), PASSWORD)).error).toMatch(/^rate_limited:\d+$/);
    expect(((await (await ctx.get("/api/auth/session")).json()) as { user?: unknown }).user).toBeUndefined();

    const other = await attempt(bystander.email, PASSWORD);
    expect(other).toEqual({ status: 200, error: null, setsSession: true });
    const session = (await (await ctx.get("/api/auth/session")).json()) as { user?: { email?: string } };
    expect(session.user?.email).toBe(bystander.email);
    await ctx.dispose();
  });
});
