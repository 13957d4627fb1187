// REST contract of the API catalog (/api/v1/apis): register with an OpenAPI
// import (JSON object, JSON text, YAML text), list, get, re-import (three body
// shapes), export → re-import round trip, delete; admin-only; errors in the one
// shape with `details` listing every problem of an invalid document.
import SwaggerParser from "@apidevtools/swagger-parser";
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { PETSTORE_ROUTES_BY_PATH } from "../../tests/fixtures/petstore-routes";
import { adminClient, expectApiError as expectErrorShape, managementToken, newDeveloper } from "../fixtures";

const PETSTORE_YAML = readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8");
const PETSTORE_JSON = readFileSync("tests/fixtures/petstore.openapi.json", "utf8");
const API_FIELDS = ["basePath", "createdAt", "id", "name", "routes", "upstreamUrl"];

type Route = {
  method: string;
  pathTemplate: string;
  operationId: string | null;
  security: string[][];
  anonymous: boolean;
};
type ApiView = { id: string; name: string; basePath: string; upstreamUrl: string; routes: Route[]; createdAt: string };
type Detail = { path: string; message: string };

const basePath = () => `/e2e-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

/** The one error shape; `details` of a 422 list the problems. */
const expectApiError = (res: APIResponse, status: number, code: string) =>
  expectErrorShape<Detail[]>(res, status, code);

/** POST /api/v1/apis, expecting 201: the registered API. */
async function register(ctx: APIRequestContext, headers: Record<string, string>, data: unknown): Promise<ApiView> {
  const res = await ctx.post("/api/v1/apis", { headers, data });
  expect(res.status(), await res.text()).toBe(201);
  return (await res.json()) as ApiView;
}

test.describe("/api/v1/apis", () => {
  test("register with a YAML import, list, get, export, round trip, delete", async () => {
    const { ctx, headers } = await adminClient();
    const bp = basePath();

    const api = await register(ctx, headers, {
      name: "Petstore",
      basePath: bp,
      upstreamUrl: "http://pets.internal:8080",
      openapi: PETSTORE_YAML,
    });
    expect(Object.keys(api).sort()).toEqual(API_FIELDS);
    expect(api).toMatchObject({ name: "Petstore", basePath: bp, upstreamUrl: "http://pets.internal:8080" });
    expect(new Date(api.createdAt).toISOString()).toBe(api.createdAt);
    expect(api.routes).toEqual(PETSTORE_ROUTES_BY_PATH);

    const list = await ctx.get("/api/v1/apis", { headers });
    expect(list.status()).toBe(200);
    const { data } = (await list.json()) as { data: ApiView[] };
    expect(data.find((a) => a.id === api.id)).toEqual(api);

    const one = await ctx.get(`/api/v1/apis/${api.id}`, { headers });
    expect(one.status()).toBe(200);
    expect(await one.json()).toEqual(api);

    // Export: valid OpenAPI, served through Gatehouse, security schemes kept.
    const exportRes = await ctx.get(`/api/v1/apis/${api.id}/openapi.json`, { headers });
    expect(exportRes.status()).toBe(200);
    expect(exportRes.headers()["content-type"]).toContain("application/json");
    const exported = (await exportRes.json()) as {
      openapi: string;
      servers: { url: string }[];
      components: { securitySchemes: Record<string, { type: string }> };
    };
    expect(exported.openapi).toBe("3.1.0");
    expect(exported.servers[0].url).toBe(`${baseURL}${bp}`);
    expect(Object.keys(exported.components.securitySchemes).sort()).toEqual(["api_key", "petstore_auth"]);
    await expect(SwaggerParser.validate(structuredClone(exported) as never)).resolves.toBeTruthy();

    // Round trip: the exported document registers an API with the same route rules.
    const bp2 = basePath();
    const copyView = await register(ctx, headers, {
      name: "Petstore copy",
      basePath: bp2,
      upstreamUrl: "https://pets.example.test",
      openapi: exported,
    });
    expect(copyView.routes).toEqual(api.routes);
    const copyExport = (await (await ctx.get(`/api/v1/apis/${copyView.id}/openapi.json`, { headers })).json()) as {
      components: { securitySchemes: unknown };
    };
    expect(copyExport.components.securitySchemes).toEqual(exported.components.securitySchemes);

    const removed = await ctx.delete(`/api/v1/apis/${api.id}`, { headers });
    expect(removed.status()).toBe(200);
    expect(await removed.json()).toEqual(api);
    await expectApiError(await ctx.get(`/api/v1/apis/${api.id}`, { headers }), 404, "not_found");
    await expectApiError(await ctx.get(`/api/v1/apis/${api.id}/openapi.json`, { headers }), 404, "not_found");
    await expectApiError(await ctx.delete(`/api/v1/apis/${api.id}`, { headers }), 404, "not_found");
    const after = (await (await ctx.get("/api/v1/apis", { headers })).json()) as { data: ApiView[] };
    expect(after.data.map((a) => a.id)).not.toContain(api.id);
    expect(after.data.map((a) => a.id)).toContain(copyView.id);
    await ctx.dispose();
  });

  test("register without a document, then PUT /openapi in each body shape", async () => {
    const { ctx, headers } = await adminClient();
    const api = await register(ctx, headers, {
      name: "Later",
      basePath: basePath(),
      upstreamUrl: "https://later.example.test",
    });
    expect(api.routes).toEqual([]);

    // 1. {"openapi": <JSON text of a 3.0 document>}
    const asWrapper = await ctx.put(`/api/v1/apis/${api.id}/openapi`, { headers, data: { openapi: PETSTORE_JSON } });
    expect(asWrapper.status(), await asWrapper.text()).toBe(200);
    expect(((await asWrapper.json()) as ApiView).routes).toEqual(PETSTORE_ROUTES_BY_PATH);

    // 2. YAML text with a YAML content type, a smaller document: its rules replace the previous ones.
    const small =
      "openapi: 3.0.3\ninfo: {title: Small, version: '1'}\npaths:\n  /only:\n    get:\n      responses: {'200': {description: ok}}\n";
    const asYaml = await ctx.put(`/api/v1/apis/${api.id}/openapi`, {
      headers: { ...headers, "content-type": "application/yaml" },
      data: small,
    });
    expect(asYaml.status(), await asYaml.text()).toBe(200);
    expect(((await asYaml.json()) as ApiView).routes).toEqual([
      { method: "GET", pathTemplate: "/only", operationId: null, security: [], anonymous: true },
    ]);

    // 3. The document itself as the JSON body.
    const asDocument = await ctx.put(`/api/v1/apis/${api.id}/openapi`, { headers, data: JSON.parse(PETSTORE_JSON) });
    expect(asDocument.status(), await asDocument.text()).toBe(200);
    expect(((await asDocument.json()) as ApiView).routes).toEqual(PETSTORE_ROUTES_BY_PATH);

    // An invalid re-import changes nothing.
    const bad = await ctx.put(`/api/v1/apis/${api.id}/openapi`, { headers, data: { openapi: { openapi: "3.1.0" } } });
    await expectApiError(bad, 422, "validation_failed");
    expect(((await (await ctx.get(`/api/v1/apis/${api.id}`, { headers })).json()) as ApiView).routes).toEqual(
      PETSTORE_ROUTES_BY_PATH,
    );
    await expectApiError(
      await ctx.put("/api/v1/apis/no-such-api/openapi", { headers, data: { openapi: PETSTORE_JSON } }),
      404,
      "not_found",
    );
    await ctx.dispose();
  });

  test("input errors: 409 for a taken basePath, 422 for bad fields and documents (with details), 400 for bad JSON", async () => {
    const { ctx, headers } = await adminClient();
    const bp = basePath();
    const ok = { name: "Taken", basePath: bp, upstreamUrl: "https://x.example.test" };
    expect((await ctx.post("/api/v1/apis", { headers, data: ok })).status()).toBe(201);
    const conflict = await expectApiError(await ctx.post("/api/v1/apis", { headers, data: ok }), 409, "conflict");
    expect(conflict.message).toContain(bp);

    for (const reserved of ["/api", "/oauth/x", "/v1", "/authz", "/admin", "/.well-known", "/_next"]) {
      const err = await expectApiError(
        await ctx.post("/api/v1/apis", { headers, data: { ...ok, basePath: reserved } }),
        422,
        "validation_failed",
      );
      expect(err.details?.[0]).toMatchObject({ path: "basePath", message: expect.stringContaining("collides") });
    }
    for (const [field, value] of [
      ["basePath", "no-slash"],
      ["basePath", "/trailing/"],
      ["basePath", "/q?x"],
      ["upstreamUrl", "ftp://x.example.test"],
      ["upstreamUrl", "not a url"],
    ]) {
      const err = await expectApiError(
        await ctx.post("/api/v1/apis", { headers, data: { ...ok, basePath: basePath(), [field]: value } }),
        422,
        "validation_failed",
      );
      expect(err.details?.map((d) => d.path)).toContain(field);
    }

    // An invalid document: every problem listed, nothing registered.
    const badBase = basePath();
    const invalid = await expectApiError(
      await ctx.post("/api/v1/apis", {
        headers,
        data: {
          ...ok,
          basePath: badBase,
          openapi: {
            openapi: "3.0.3",
            info: { title: "Broken" },
            paths: { "/a": { get: { responses: { "200": {} } } }, b: {} },
          },
        },
      }),
      422,
      "validation_failed",
    );
    expect(invalid.details).toEqual(
      expect.arrayContaining([
        { path: "openapi.info", message: "missing required property 'version'" },
        { path: "openapi.paths", message: "unexpected property 'b'" },
        { path: "openapi.paths./a.get.responses.200", message: "missing required property 'description'" },
      ]),
    );
    const swagger2 = await expectApiError(
      await ctx.post("/api/v1/apis", {
        headers,
        data: { ...ok, basePath: badBase, openapi: { swagger: "2.0", info: { title: "x", version: "1" }, paths: {} } },
      }),
      422,
      "validation_failed",
    );
    expect(swagger2.details?.[0].path).toBe("openapi.swagger");
    const v32 = await expectApiError(
      await ctx.post("/api/v1/apis", {
        headers,
        data: { ...ok, basePath: badBase, openapi: "openapi: 3.2.0\ninfo: {title: x, version: '1'}\npaths: {}\n" },
      }),
      422,
      "validation_failed",
    );
    expect(v32.details?.[0]).toMatchObject({
      path: "openapi.openapi",
      message: expect.stringContaining("3.0.x and 3.1.x"),
    });
    const external = await expectApiError(
      await ctx.post("/api/v1/apis", {
        headers,
        data: {
          ...ok,
          basePath: badBase,
          openapi: {
            openapi: "3.1.0",
            info: { title: "x", version: "1" },
            paths: { "/a": { $ref: "http://169.254.169.254/" } },
          },
        },
      }),
      422,
      "validation_failed",
    );
    expect(external.details?.[0].message).toContain("External reference");
    const list = (await (await ctx.get("/api/v1/apis", { headers })).json()) as { data: ApiView[] };
    expect(list.data.map((a) => a.basePath)).not.toContain(badBase);

    const malformed = await ctx.post("/api/v1/apis", {
      headers: { ...headers, "content-type": "application/json" },
      data: Buffer.from("{not json"),
    });
    await expectApiError(malformed, 400, "invalid_json");
    await ctx.dispose();
  });

  test("only platform admins: 403 for a developer, 401 without credentials", async () => {
    const { ctx: adminCtx, headers: adminHeaders } = await adminClient();
    const created = await adminCtx.post("/api/v1/apis", {
      headers: adminHeaders,
      data: { name: "Guarded", basePath: basePath(), upstreamUrl: "https://g.example.test" },
    });
    const api = (await created.json()) as ApiView;

    const dev = await newDeveloper("catalog-dev");
    const devHeaders = { authorization: `Bearer ${await managementToken(dev)}` };
    const ctx = await playwrightRequest.newContext({ baseURL });
    const calls: [string, string, unknown?][] = [
      ["GET", "/api/v1/apis"],
      ["POST", "/api/v1/apis", { name: "x", basePath: basePath(), upstreamUrl: "https://x.example.test" }],
      ["GET", `/api/v1/apis/${api.id}`],
      ["DELETE", `/api/v1/apis/${api.id}`],
      ["PUT", `/api/v1/apis/${api.id}/openapi`, { openapi: PETSTORE_JSON }],
      ["GET", `/api/v1/apis/${api.id}/openapi.json`],
    ];
    for (const [method, path, data] of calls) {
      await expectApiError(await ctx.fetch(path, { method, headers: devHeaders, data }), 403, "forbidden");
      // The developer's session cookie is no better than their token.
      await expectApiError(await dev.request.fetch(path, { method, data }), 403, "forbidden");
      await expectApiError(await ctx.fetch(path, { method, data }), 401, "unauthorized");
    }
    expect((await adminCtx.get(`/api/v1/apis/${api.id}`, { headers: adminHeaders })).status()).toBe(200);
    await Promise.all([ctx.dispose(), adminCtx.dispose(), dev.request.dispose()]);
  });

  test("the management OpenAPI document lists the catalog endpoints", async () => {
    const ctx = await playwrightRequest.newContext({ baseURL });
    const doc = (await (await ctx.get("/api/v1/openapi.json")).json()) as {
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { required?: string[] }> };
    };
    const methods = (p: string) =>
      Object.keys(doc.paths[p] ?? {})
        .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
        .sort();
    expect(methods("/api/v1/apis")).toEqual(["get", "post"]);
    expect(methods("/api/v1/apis/{id}")).toEqual(["delete", "get"]);
    expect(methods("/api/v1/apis/{id}/openapi")).toEqual(["put"]);
    expect(methods("/api/v1/apis/{id}/openapi.json")).toEqual(["get"]);
    expect(doc.components.schemas.CreateApiRequest.required).toEqual(["name", "basePath", "upstreamUrl"]);
    await ctx.dispose();
  });
});
