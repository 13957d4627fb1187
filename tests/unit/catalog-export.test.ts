// Export of a catalog entry as OpenAPI, and the round trip: importing the
// exported document gives the same route rules and security schemes.
import SwaggerParser from "@apidevtools/swagger-parser";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildOpenApiExport, type ExportInput } from "../../lib/catalog/export-openapi";
import { parseOpenApi, type ParsedOpenApi } from "../../lib/catalog/parse-openapi";

const SERVER = "https://gatehouse.example.test/petstore";

async function parsed(input: unknown): Promise<ParsedOpenApi> {
  const r = await parseOpenApi(input);
  if (!r.ok) throw new Error(`expected a valid document, got ${JSON.stringify(r.problems)}`);
  return r.value;
}

/** What the catalog stores for an import: the document, its schemes, its rules. */
function stored(p: ParsedOpenApi, name = "Petstore"): ExportInput {
  return { name, basePath: "/petstore", openapi: p.document, securitySchemes: p.securitySchemes, routes: p.routes };
}

const byKey = (routes: ParsedOpenApi["routes"]) =>
  [...routes].sort((a, b) => `${a.pathTemplate} ${a.method}`.localeCompare(`${b.pathTemplate} ${b.method}`));

describe("export → import round trip", () => {
  it.each([
    ["3.1 YAML", "tests/fixtures/petstore.openapi.yaml"],
    ["3.0 JSON", "tests/fixtures/petstore.openapi.json"],
  ])("%s: same route rules and security schemes", async (_label, file) => {
    const first = await parsed(readFileSync(file, "utf8"));
    const exported = buildOpenApiExport(stored(first), SERVER);
    const second = await parsed(exported);
    expect(byKey(second.routes)).toEqual(byKey(first.routes));
    expect(second.securitySchemes).toEqual(first.securitySchemes);
    expect(second.scopes.map((s) => s.name).sort()).toEqual(first.scopes.map((s) => s.name).sort());
    // And the export is itself a valid document pointed at Gatehouse.
    await SwaggerParser.validate(structuredClone(exported) as never);
    expect(exported.servers).toEqual([{ url: SERVER, description: "Petstore through Gatehouse" }]);
    expect(Object.keys(exported)[0]).toBe("openapi");
  });

  it("survives jsonb's key reordering (the stored document comes back with sorted keys)", async () => {
    const first = await parsed(readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8"));
    const sortKeys = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(sortKeys)
        : v && typeof v === "object"
          ? Object.fromEntries(
              Object.keys(v)
                .sort((a, b) => a.length - b.length || (a < b ? -1 : 1))
                .map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]),
            )
          : v;
    const exported = buildOpenApiExport({ ...stored(first), openapi: sortKeys(first.document) }, SERVER);
    expect(Object.keys(exported).slice(0, 3)).toEqual(["openapi", "info", "servers"]);
    expect(byKey((await parsed(exported)).routes)).toEqual(byKey(first.routes));
  });

  it("an API registered without a document exports a minimal valid one", async () => {
    const exported = buildOpenApiExport(
      { name: "Bare", basePath: "/bare", openapi: null, securitySchemes: {}, routes: [] },
      "https://g.test/bare",
    );
    expect(exported).toEqual({
      openapi: "3.1.0",
      info: { title: "Bare", version: "1.0.0" },
      servers: [{ url: "https://g.test/bare", description: "Bare through Gatehouse" }],
      paths: {},
    });
    expect((await parsed(exported)).routes).toEqual([]);
  });
});

describe("the rules are the truth", () => {
  it("a rule that differs from the document rewrites that operation's security; others are untouched", async () => {
    const first = await parsed(readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8"));
    const routes = first.routes.map((r) =>
      r.method === "GET" && r.pathTemplate === "/pets" ? { ...r, security: [["write:pets"], []], anonymous: true } : r,
    );
    const exported = buildOpenApiExport({ ...stored(first), routes }, SERVER);
    const listPets = (exported.paths as Record<string, Record<string, { security?: unknown }>>)["/pets"].get;
    expect(listPets.security).toEqual([{}, { petstore_auth: ["write:pets"] }, { api_key: [] }]);
    const createPet = (exported.paths as Record<string, Record<string, { security?: unknown }>>)["/pets"].post;
    expect(createPet.security).toEqual([{ petstore_auth: ["read:pets", "write:pets"] }, { api_key: [] }]);
    expect(byKey((await parsed(exported)).routes)).toEqual(byKey(routes));
  });

  it("operations without a rule are dropped; rules without an operation are added", async () => {
    const first = await parsed(readFileSync("tests/fixtures/petstore.openapi.json", "utf8"));
    const routes: ParsedOpenApi["routes"] = [
      ...first.routes.filter((r) => r.pathTemplate !== "/health"),
      {
        method: "PATCH",
        pathTemplate: "/pets/{petId}",
        operationId: "patchPet",
        security: [["write:pets"]],
        anonymous: false,
      },
    ];
    const exported = buildOpenApiExport({ ...stored(first), routes }, SERVER);
    const paths = exported.paths as Record<string, Record<string, unknown>>;
    expect(paths).not.toHaveProperty("/health");
    expect(paths["/pets/{petId}"].patch).toMatchObject({ operationId: "patchPet" });
    await SwaggerParser.validate(structuredClone(exported) as never);
    expect(byKey((await parsed(exported)).routes)).toEqual(byKey(routes));
  });

  it("a path item given by $ref is inlined so its rule applies to that path only", async () => {
    const first = await parsed(readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8"));
    const exported = buildOpenApiExport(stored(first), SERVER);
    const stores = (exported.paths as Record<string, Record<string, unknown>>)["/stores"];
    expect(stores).not.toHaveProperty("$ref");
    expect(stores.get).toMatchObject({ operationId: "listStores", security: [{ api_key: [] }] });
  });

  it("without any scheme, a needed requirement gets a Gatehouse bearer scheme", async () => {
    const exported = buildOpenApiExport(
      {
        name: "X",
        basePath: "/x",
        openapi: null,
        securitySchemes: {},
        routes: [{ method: "GET", pathTemplate: "/a", operationId: null, security: [["s:1"]], anonymous: false }],
      },
      "https://g.test/x",
    );
    const again = await parsed(exported);
    expect(again.routes).toEqual([
      { method: "GET", pathTemplate: "/a", operationId: null, security: [["s:1"]], anonymous: false },
    ]);
    expect(Object.keys(again.securitySchemes)).toEqual(["gatehouse"]);
  });
});
