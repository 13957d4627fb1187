// The API catalog on a real database: register (with an OpenAPI import), list,
// re-import, export → import round trip, delete; audit events, scopes, conflict
// and validation errors that write nothing, and the catalog change event.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { ApiError } from "../../lib/api/errors";
import { verifyAuditChain } from "../../lib/audit/record";
import { createApi } from "../../lib/catalog/create-api";
import { deleteApi } from "../../lib/catalog/delete-api";
import { exportOpenApi } from "../../lib/catalog/export-openapi";
import { importOpenApi } from "../../lib/catalog/import-openapi";
import { getApi, listApis } from "../../lib/catalog/list-apis";
import { prisma } from "../../lib/db";
import { createApiSchema, importOpenApiSchema } from "../../lib/schemas/apis";
import { captureEvents, listenForChanges } from "../support/events";
import { createPrincipal, meta } from "../support/factories";
import { oauthScheme } from "../support/openapi";

const PETSTORE_YAML = readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8");
const uid = () => randomBytes(4).toString("hex");
const basePath = () => `/it-${uid()}`;

/** A document whose scope names are unique to this test (the database is shared by the whole run). */
function ownDoc(tag = uid()) {
  const read = `${tag}:read`;
  const write = `${tag}:write`;
  return {
    read,
    write,
    doc: {
      openapi: "3.1.0",
      info: { title: `Own ${tag}`, version: "1" },
      security: [{ oauth: [read] }],
      paths: {
        "/items": {
          get: { operationId: "listItems", responses: { "200": { description: "ok" } } },
          post: {
            operationId: "createItem",
            security: [{ oauth: [read, write] }, { key: [] }],
            responses: { "201": { description: "ok" } },
          },
        },
        "/items/{id}": {
          get: { security: [{}, { oauth: ["read:profile"] }], responses: { "200": { description: "ok" } } },
        },
        "/ping": { get: { security: [], responses: { "200": { description: "ok" } } } },
      },
      components: {
        securitySchemes: {
          oauth: oauthScheme({ [read]: `Read ${tag} items`, "read:profile": "Overridden? No." }),
          key: { type: "apiKey", name: "X-API-Key", in: "header" },
        },
      },
    },
  };
}

const admin = () => createPrincipal({ role: "admin" });
const input = (extra: Record<string, unknown> = {}) =>
  createApiSchema.parse({ name: "Items", basePath: basePath(), upstreamUrl: "http://items.internal:8080", ...extra });

describe("register an API with its OpenAPI document", () => {
  it("stores the API, route rules, schemes and document; creates only unknown scopes; audits; emits", async () => {
    const p = await admin();
    const { doc, read, write } = ownDoc();
    const { result: api, events } = await captureEvents(() =>
      createApi(p, input({ name: "Items", openapi: JSON.stringify(doc) }), meta),
    );

    expect(api).toMatchObject({ name: "Items", upstreamUrl: "http://items.internal:8080" });
    expect(Object.keys(api).sort()).toEqual(["basePath", "createdAt", "id", "name", "routes", "upstreamUrl"]);
    expect(api.routes).toEqual([
      { method: "GET", pathTemplate: "/items", operationId: "listItems", security: [[read]], anonymous: false },
      {
        method: "POST",
        pathTemplate: "/items",
        operationId: "createItem",
        security: [[read, write], []],
        anonymous: false,
      },
      { method: "GET", pathTemplate: "/items/{id}", operationId: null, security: [["read:profile"]], anonymous: true },
      { method: "GET", pathTemplate: "/ping", operationId: null, security: [], anonymous: true },
    ]);

    const row = await prisma.api.findUniqueOrThrow({ where: { id: api.id }, include: { routes: true } });
    expect(row.openapi).toEqual(doc);
    expect(Object.keys(row.securitySchemes as object).sort()).toEqual(["key", "oauth"]);
    expect(row.routes).toHaveLength(4);

    // New scopes: the flow's description, or "Imported from <name>"; the seeded scope keeps its own.
    const scopes = await prisma.scope.findMany({ where: { name: { in: [read, write, "read:profile"] } } });
    const described = Object.fromEntries(scopes.map((s) => [s.name, s.description]));
    expect(described).toEqual({
      [read]: expect.stringMatching(/^Read .* items$/),
      [write]: "Imported from Items",
      "read:profile": "Read user profiles",
    });

    const events_ = await prisma.auditEvent.findMany({ where: { targetType: "api", targetId: api.id } });
    expect(events_).toHaveLength(1);
    expect(events_[0]).toMatchObject({
      action: "api.create",
      actorId: p.userId,
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    expect(events_[0].context).toMatchObject({
      basePath: api.basePath,
      routes: 4,
      securitySchemes: ["oauth", "key"],
      newScopes: [read, write],
    });
    expect(await verifyAuditChain(prisma)).toBeNull();

    expect(events).toEqual([{ kind: "catalog" }]);
  });

  it("registers an API without a document (no routes) and lists it", async () => {
    const p = await admin();
    const api = await createApi(p, input({ name: `Bare ${uid()}` }), meta);
    expect(api.routes).toEqual([]);
    expect((await prisma.api.findUniqueOrThrow({ where: { id: api.id } })).openapi).toBeNull();
    expect((await listApis(p)).find((a) => a.id === api.id)).toEqual(api);
    expect(await getApi(p, api.id)).toEqual(api);
  });

  it("a taken basePath is 409 conflict and writes nothing", async () => {
    const p = await admin();
    const first = await createApi(p, input(), meta);
    const auditBefore = await prisma.auditEvent.count({ where: { action: "api.create" } });
    const { events } = await captureEvents(async () => {
      await expect(
        createApi(
          p,
          createApiSchema.parse({ name: "Dup", basePath: first.basePath, upstreamUrl: "https://x.test" }),
          meta,
        ),
      ).rejects.toMatchObject({ code: "conflict", status: 409 });
    });
    expect(events).toEqual([]);
    expect(await prisma.api.count({ where: { basePath: first.basePath } })).toBe(1);
    expect(await prisma.auditEvent.count({ where: { action: "api.create" } })).toBe(auditBefore);
  });

  it("concurrent registrations of one basePath: one wins, the other is 409", async () => {
    const p = await admin();
    const bp = basePath();
    const make = () =>
      createApi(p, createApiSchema.parse({ name: "Race", basePath: bp, upstreamUrl: "https://x.test" }), meta);
    const results = await Promise.allSettled([make(), make()]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const rejected = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: "conflict" });
  });

  it("an invalid document is 422 validation_failed with every problem in details, and writes nothing", async () => {
    const p = await admin();
    const { doc, write } = ownDoc();
    const broken = {
      ...doc,
      info: { title: "no version" },
      paths: {
        ...doc.paths,
        "/x": { get: { security: [{ ghost: [] }], responses: { "200": { description: "ok" } } } },
      },
    };
    const bp = basePath();
    let error: ApiError | undefined;
    try {
      await createApi(
        p,
        createApiSchema.parse({ name: "Bad", basePath: bp, upstreamUrl: "https://x.test", openapi: broken }),
        meta,
      );
    } catch (e) {
      error = e as ApiError;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect(error?.code).toBe("validation_failed");
    expect(error?.status).toBe(422);
    // Schema validation stops before the semantic checks: the schema problem is reported.
    expect(error?.details).toEqual([{ path: "openapi.info", message: "missing required property 'version'" }]);
    expect(await prisma.api.count({ where: { basePath: bp } })).toBe(0);
    expect(await prisma.scope.count({ where: { name: write } })).toBe(0);

    const semantic = {
      ...doc,
      paths: { "/x": { get: { security: [{ ghost: [] }], responses: { "200": { description: "ok" } } } } },
    };
    await expect(
      createApi(
        p,
        createApiSchema.parse({ name: "Bad", basePath: bp, upstreamUrl: "https://x.test", openapi: semantic }),
        meta,
      ),
    ).rejects.toMatchObject({
      code: "validation_failed",
      details: [
        { path: "openapi.paths./x.get.security.0.ghost", message: expect.stringMatching(/'ghost' is not defined/) },
      ],
    });
    expect(await prisma.api.count({ where: { basePath: bp } })).toBe(0);
  });

  it("only platform admins may use the catalog", async () => {
    const dev = await createPrincipal();
    const p = await admin();
    const api = await createApi(p, input(), meta);
    await expect(createApi(dev, input(), meta)).rejects.toMatchObject({ code: "forbidden" });
    await expect(listApis(dev)).rejects.toMatchObject({ code: "forbidden" });
    await expect(getApi(dev, api.id)).rejects.toMatchObject({ code: "forbidden" });
    await expect(
      importOpenApi(dev, api.id, importOpenApiSchema.parse({ openapi: PETSTORE_YAML }), meta),
    ).rejects.toMatchObject({ code: "forbidden" });
    await expect(deleteApi(dev, api.id, meta)).rejects.toMatchObject({ code: "forbidden" });
    await expect(exportOpenApi(dev, api.id, "http://g.test")).rejects.toMatchObject({ code: "forbidden" });
    expect(await getApi(p, api.id)).toEqual(api);
  });
});

describe("re-import, export, delete", () => {
  it("re-importing replaces every route rule and the schemes; audited as api.import", async () => {
    const p = await admin();
    const { doc } = ownDoc();
    const api = await createApi(p, input({ openapi: doc }), meta);
    const { result: updated, events } = await captureEvents(() =>
      importOpenApi(p, api.id, importOpenApiSchema.parse({ openapi: PETSTORE_YAML }), meta),
    );
    expect(updated.routes.map((r) => `${r.method} ${r.pathTemplate}`)).toEqual([
      "GET /health",
      "GET /pets",
      "POST /pets",
      "GET /pets/{petId}",
      "DELETE /pets/{petId}",
      "GET /stores",
    ]);
    expect(await prisma.routeRule.count({ where: { apiId: api.id, pathTemplate: "/items" } })).toBe(0);
    const row = await prisma.api.findUniqueOrThrow({ where: { id: api.id } });
    expect(Object.keys(row.securitySchemes as object).sort()).toEqual(["api_key", "petstore_auth"]);
    expect(events).toEqual([{ kind: "catalog" }]);
    const audit = await prisma.auditEvent.findFirstOrThrow({ where: { targetId: api.id, action: "api.import" } });
    expect(audit.context).toMatchObject({ routes: 6, previousRoutes: 4 });

    await expect(
      importOpenApi(p, "no-such-api", importOpenApiSchema.parse({ openapi: PETSTORE_YAML }), meta),
    ).rejects.toMatchObject({ code: "not_found" });
  });

  it("a failed re-import leaves the previous rules in place", async () => {
    const p = await admin();
    const api = await createApi(p, input({ openapi: PETSTORE_YAML }), meta);
    await expect(
      importOpenApi(p, api.id, importOpenApiSchema.parse({ openapi: { openapi: "3.1.0" } }), meta),
    ).rejects.toMatchObject({ code: "validation_failed" });
    expect(await getApi(p, api.id)).toEqual(api);
  });

  it("export → import into another API gives the same route rules and schemes", async () => {
    const p = await admin();
    const original = await createApi(p, input({ openapi: PETSTORE_YAML }), meta);
    const exported = await exportOpenApi(p, original.id, "https://gatehouse.example.test/");
    expect(exported.servers).toEqual([
      { url: `https://gatehouse.example.test${original.basePath}`, description: "Items through Gatehouse" },
    ]);
    const copy = await createApi(p, input({ name: "Copy", openapi: exported }), meta);
    expect(copy.routes).toEqual(original.routes);
    const [a, b] = await Promise.all(
      [original.id, copy.id].map((id) =>
        prisma.api.findUniqueOrThrow({ where: { id }, select: { securitySchemes: true } }),
      ),
    );
    expect(b.securitySchemes).toEqual(a.securitySchemes);
  });

  it("delete removes the API and its rules, keeps the scopes, audits, emits; then 404", async () => {
    const p = await admin();
    const { doc, read } = ownDoc();
    const api = await createApi(p, input({ openapi: doc }), meta);
    const { result: gone, events } = await captureEvents(() => deleteApi(p, api.id, meta));
    expect(gone).toEqual(api);
    expect(events).toEqual([{ kind: "catalog" }]);
    expect(await prisma.api.count({ where: { id: api.id } })).toBe(0);
    expect(await prisma.routeRule.count({ where: { apiId: api.id } })).toBe(0);
    expect(await prisma.scope.count({ where: { name: read } })).toBe(1);
    expect(
      await prisma.auditEvent.count({ where: { targetId: api.id, action: "api.delete", actorId: p.userId } }),
    ).toBe(1);
    await expect(getApi(p, api.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(deleteApi(p, api.id, meta)).rejects.toMatchObject({ code: "not_found" });
    await expect(exportOpenApi(p, api.id, "http://g.test")).rejects.toMatchObject({ code: "not_found" });
  });
});

describe.runIf(inject("databaseMode") === "server")("catalog changes reach other processes (NOTIFY)", () => {
  it("create, import and delete each NOTIFY {kind: catalog} on commit; a rolled-back change does not", async () => {
    const { received, end } = await listenForChanges(inject("databaseUrl"));
    try {
      const p = await admin();
      const api = await createApi(p, input({ openapi: PETSTORE_YAML }), meta);
      await expect(
        createApi(
          p,
          createApiSchema.parse({ name: "Dup", basePath: api.basePath, upstreamUrl: "https://x.test" }),
          meta,
        ),
      ).rejects.toMatchObject({ code: "conflict" });
      await importOpenApi(p, api.id, importOpenApiSchema.parse({ openapi: PETSTORE_YAML }), meta);
      await deleteApi(p, api.id, meta);
      const deadline = Date.now() + 2000;
      while (received.filter((c) => c.kind === "catalog").length < 3 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 100)); // room for a wrong fourth one to arrive
      expect(received.filter((c) => c.kind === "catalog")).toEqual([
        { kind: "catalog" },
        { kind: "catalog" },
        { kind: "catalog" },
      ]);
    } finally {
      await end();
    }
  });
});
