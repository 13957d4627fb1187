// The pure OpenAPI → catalog parser: versions, formats, the security reduction
// (op-level over top-level, OR/AND, `{}` and `[]`), scope extraction, and
// invalid documents reported as a list of problems.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  ajvProblems,
  parseOpenApi,
  pointerToPath,
  readOpenApiText,
  reduceSecurity,
  sameSecurity,
  type ParsedOpenApi,
  type ParsedRoute,
  type Problem,
} from "../../lib/catalog/parse-openapi";
import { PETSTORE_ROUTES } from "../fixtures/petstore-routes";

const YAML_31 = readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8");
const JSON_30 = readFileSync("tests/fixtures/petstore.openapi.json", "utf8");

async function parsed(input: unknown): Promise<ParsedOpenApi> {
  const r = await parseOpenApi(input);
  if (!r.ok) throw new Error(`expected a valid document, got ${JSON.stringify(r.problems)}`);
  return r.value;
}

async function problems(input: unknown): Promise<Problem[]> {
  const r = await parseOpenApi(input);
  if (r.ok) throw new Error("expected problems, the document was accepted");
  return r.problems;
}

const route = (routes: ParsedRoute[], method: string, path: string) => {
  const found = routes.find((r) => r.method === method && r.pathTemplate === path);
  if (!found) throw new Error(`no route ${method} ${path} in ${JSON.stringify(routes)}`);
  return found;
};

const doc = (version: string, extra: Record<string, unknown> = {}) => ({
  openapi: version,
  info: { title: "T", version: "1" },
  paths: {},
  ...extra,
});
const ok = { responses: { "200": { description: "ok" } } };

describe("parseOpenApi: versions and formats", () => {
  it("reads the 3.1 YAML fixture: routes, schemes and scopes", async () => {
    const v = await parsed(YAML_31);
    expect(v.routes).toEqual(PETSTORE_ROUTES);
    expect(Object.keys(v.securitySchemes).sort()).toEqual(["api_key", "petstore_auth"]);
    expect(v.securitySchemes.api_key).toEqual({ type: "apiKey", name: "X-API-Key", in: "header" });
    expect(v.scopes).toEqual([
      { name: "read:pets", description: "Read your pets" },
      { name: "write:pets", description: "Modify pets in your account" },
      { name: "admin:pets", description: "Delete pets" },
    ]);
    // The stored document is the one given, not swagger-parser's dereferenced copy.
    expect((v.document.paths as Record<string, unknown>)["/stores"]).toEqual({
      $ref: "#/components/pathItems/Stores",
    });
  });

  it("reads the 3.0 JSON fixture as text and as an object, with the same rules", async () => {
    const fromText = await parsed(JSON_30);
    const fromObject = await parsed(JSON.parse(JSON_30));
    expect(fromText.routes).toEqual(PETSTORE_ROUTES);
    expect(fromObject.routes).toEqual(PETSTORE_ROUTES);
    expect(fromObject.document).toEqual(JSON.parse(JSON_30));
  });

  it("does not modify the object it is given", async () => {
    const input = JSON.parse(JSON_30);
    const before = structuredClone(input);
    await parsed(input);
    expect(input).toEqual(before);
  });

  it("accepts a document without paths (no routes)", async () => {
    const v = await parsed({ openapi: "3.0.3", info: { title: "T", version: "1" }, servers: [{ url: "/petstore" }] });
    expect(v.routes).toEqual([]);
    expect(v.document).not.toHaveProperty("paths");
  });

  it.each([
    [{ swagger: "2.0", info: { title: "T", version: "1" }, paths: {} }, "openapi.swagger", /Swagger 2\.0/],
    [doc("3.2.0"), "openapi.openapi", /3\.0\.x and 3\.1\.x/],
    [doc("2.0"), "openapi.openapi", /3\.0\.x and 3\.1\.x/],
    [{ info: { title: "T", version: "1" }, paths: {} }, "openapi.openapi", /no version/],
    [doc("3.1"), "openapi.openapi", /"3\.1"/],
  ])("rejects a document that is not OpenAPI 3.0.x/3.1.x (%#)", async (input, path, message) => {
    const p = await problems(input);
    expect(p).toHaveLength(1);
    expect(p[0].path).toBe(path);
    expect(p[0].message).toMatch(message);
  });

  it("reports JSON and YAML syntax errors", async () => {
    expect((await problems('{"openapi": }'))[0].message).toMatch(/^Not valid JSON:/);
    expect((await problems("openapi: 3.1.0\ninfo:\n  title: x\n   version: 1\n"))[0].message).toMatch(
      /^Not valid JSON or YAML: .*line 3/,
    );
    expect((await problems("openapi: 3.1.0\nopenapi: 3.1.0\n"))[0].message).toMatch(/unique|duplicate/i);
    expect((await problems("   "))[0].message).toBe("The document is empty.");
    expect((await problems("[1, 2]"))[0].message).toBe("The document must be an OpenAPI object.");
  });

  it("refuses external $refs instead of fetching or reading them", async () => {
    const p = await problems(
      doc("3.0.3", {
        paths: {
          "/a": { get: { responses: { "200": { $ref: "https://evil.example/x.json" } } } },
          "/b": { $ref: "file:///etc/passwd" },
        },
      }),
    );
    expect(p.map((x) => x.path)).toEqual(["openapi.paths./a.get.responses.200.$ref", "openapi.paths./b.$ref"]);
    expect(p[0].message).toMatch(/External reference 'https:\/\/evil\.example\/x\.json' is not supported/);
  });

  it("rejects NUL characters (PostgreSQL jsonb cannot store them)", async () => {
    const p = await problems(doc("3.1.0", { info: { title: "a\u0000b", version: "1" } }));
    expect(p[0].message).toMatch(/NUL/);
  });
});

describe("parseOpenApi: security → route rules", () => {
  const schemes = {
    components: {
      securitySchemes: {
        oauth: {
          type: "oauth2",
          flows: { clientCredentials: { tokenUrl: "https://a.test/t", scopes: { "a:read": "Read A", "a:write": "" } } },
        },
        key: { type: "apiKey", name: "k", in: "header" },
        oidc: { type: "openIdConnect", openIdConnectUrl: "https://a.test/.well-known/openid-configuration" },
      },
    },
  };

  it("operation security overrides the top-level default; absent operation security inherits it", async () => {
    for (const version of ["3.0.3", "3.1.0"]) {
      const v = await parsed(
        doc(version, {
          ...schemes,
          security: [{ oauth: ["a:read"] }],
          paths: { "/x": { get: ok, put: { ...ok, security: [{ oauth: ["a:write"] }] } } },
        }),
      );
      expect(route(v.routes, "GET", "/x")).toMatchObject({ security: [["a:read"]], anonymous: false });
      expect(route(v.routes, "PUT", "/x")).toMatchObject({ security: [["a:write"]], anonymous: false });
    }
  });

  it("`security: []` on an operation makes it anonymous even under a top-level requirement", async () => {
    const v = await parsed(
      doc("3.1.0", { ...schemes, security: [{ key: [] }], paths: { "/open": { get: { ...ok, security: [] } } } }),
    );
    expect(route(v.routes, "GET", "/open")).toEqual({
      method: "GET",
      pathTemplate: "/open",
      operationId: null,
      security: [],
      anonymous: true,
    });
  });

  it("no security declared anywhere = no requirement = anonymous", async () => {
    const v = await parsed(doc("3.0.3", { paths: { "/x": { post: ok } } }));
    expect(route(v.routes, "POST", "/x")).toMatchObject({ security: [], anonymous: true });
  });

  it("`{}` among the alternatives makes the operation anonymous and adds no alternative", async () => {
    const v = await parsed(
      doc("3.1.0", { ...schemes, paths: { "/x": { get: { ...ok, security: [{}, { key: [] }] } } } }),
    );
    expect(route(v.routes, "GET", "/x")).toMatchObject({ security: [[]], anonymous: true });
  });

  it("alternatives are OR, schemes inside one requirement are AND (their scopes united)", async () => {
    const v = await parsed(
      doc("3.1.0", {
        ...schemes,
        paths: {
          "/x": {
            get: { ...ok, security: [{ oauth: ["a:read"], oidc: ["openid", "a:read"] }, { key: [] }] },
          },
        },
      }),
    );
    expect(route(v.routes, "GET", "/x").security).toEqual([["a:read", "openid"], []]);
  });

  it("every HTTP method becomes its own rule, upper-cased; path keys are kept exactly; x- keys are ignored", async () => {
    const item = Object.fromEntries(
      ["get", "put", "post", "delete", "options", "head", "patch", "trace"].map((m) => [m, ok]),
    );
    const v = await parsed(
      doc("3.1.0", { paths: { "/v2/things/{id}.{format}": { ...item, summary: "s" }, "x-internal": { a: 1 } } }),
    );
    expect(v.routes.map((r) => `${r.method} ${r.pathTemplate}`)).toEqual(
      ["GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"].map((m) => `${m} /v2/things/{id}.{format}`),
    );
  });

  it("collects scopes from flows (with descriptions) and from requirements (without)", async () => {
    const v = await parsed(
      doc("3.1.0", { ...schemes, paths: { "/x": { get: { ...ok, security: [{ oidc: ["openid", "a:read"] }] } } } }),
    );
    expect(v.scopes).toEqual([
      { name: "a:read", description: "Read A" },
      { name: "a:write", description: null },
      { name: "openid", description: null },
    ]);
  });
});

describe("parseOpenApi: invalid documents list every problem", () => {
  it("schema violations come back as readable problems with their place in the document", async () => {
    const p = await problems({
      openapi: "3.0.3",
      info: { title: "T" },
      paths: { "/a": { get: { responses: { "200": {} } } }, b: {} },
    });
    expect(p).toEqual(
      expect.arrayContaining([
        { path: "openapi.info", message: "missing required property 'version'" },
        { path: "openapi.paths", message: "unexpected property 'b'" },
        { path: "openapi.paths./a.get.responses.200", message: "missing required property 'description'" },
      ]),
    );
    expect(p).toHaveLength(3);
  });

  it("a security scheme's errors name the branch meant by its type, not every oneOf branch", async () => {
    for (const version of ["3.0.3", "3.1.0"]) {
      expect(
        await problems(doc(version, { components: { securitySchemes: { a: { type: "apiKey", name: "k" } } } })),
      ).toEqual([{ path: "openapi.components.securitySchemes.a", message: "missing required property 'in'" }]);
      expect(await problems(doc(version, { components: { securitySchemes: { a: { type: "oauth2" } } } }))).toEqual([
        { path: "openapi.components.securitySchemes.a", message: "missing required property 'flows'" },
      ]);
      const unknownType = await problems(doc(version, { components: { securitySchemes: { a: { type: "magic" } } } }));
      expect(unknownType).toHaveLength(1);
      expect(unknownType[0].path).toBe("openapi.components.securitySchemes.a.type");
      expect(unknownType[0].message).toMatch(/^must be one of: .*apiKey.*oauth2/);
    }
  });

  it("semantic problems: undefined schemes, bad scope names, duplicate operationIds, equivalent templates", async () => {
    const p = await problems(
      doc("3.1.0", {
        security: [{ ghost: [] }],
        components: { securitySchemes: { key: { type: "apiKey", name: "k", in: "header" } } },
        paths: {
          "/a/{id}": { get: { ...ok, operationId: "same", security: [{ key: ["has space"] }] } },
          "/a/{other}": { get: { ...ok } },
          "/b": { get: { ...ok, operationId: "same" } },
        },
      }),
    );
    expect(p).toEqual([
      {
        path: "openapi.security.0.ghost",
        message: "Security scheme 'ghost' is not defined in components.securitySchemes.",
      },
      {
        path: "openapi.paths./a/{id}.get.security.0.key",
        message: expect.stringMatching(/^Scope 'has space' is not a valid scope name/),
      },
      {
        path: "openapi.paths./a/{other}",
        message: "Paths '/a/{id}' and '/a/{other}' are the same route (only the parameter names differ).",
      },
      { path: "openapi.paths./b.get.operationId", message: "Duplicate operationId 'same' (also used by GET /a/{id})." },
    ]);
  });

  it("a missing internal $ref is a problem, not a crash", async () => {
    const p = await problems(doc("3.1.0", { paths: { "/a": { $ref: "#/components/pathItems/nope" } } }));
    expect(p).toHaveLength(1);
    expect(p[0].message).toMatch(/#\/components\/pathItems\/nope/);
  });
});

describe("helpers", () => {
  it("reduceSecurity dedupes alternatives and scopes", () => {
    expect(reduceSecurity([{ a: ["x", "y"] }, { b: ["y", "x"] }, { c: [] }, { d: [] }])).toEqual({
      security: [["x", "y"], []],
      anonymous: false,
    });
    expect(reduceSecurity(undefined)).toEqual({ security: [], anonymous: true });
    expect(reduceSecurity([])).toEqual({ security: [], anonymous: true });
  });

  it("sameSecurity ignores order but not content", () => {
    const a = { security: [["x", "y"], []], anonymous: false };
    expect(sameSecurity(a, { security: [[], ["y", "x"]], anonymous: false })).toBe(true);
    expect(sameSecurity(a, { security: [[], ["y", "x"]], anonymous: true })).toBe(false);
    expect(sameSecurity(a, { security: [["x"], []], anonymous: false })).toBe(false);
    expect(sameSecurity(a, { security: [["x", "y"]], anonymous: false })).toBe(false);
  });

  it("pointerToPath decodes JSON Pointer escapes", () => {
    expect(pointerToPath("/paths/~1pets~1{id}/get")).toBe("openapi.paths./pets/{id}.get");
    expect(pointerToPath("")).toBe("openapi");
    expect(pointerToPath("/a~0b")).toBe("openapi.a~b");
  });

  it("ajvProblems falls back to the raw errors when filtering would leave nothing", () => {
    expect(
      ajvProblems([{ instancePath: "/x", schemaPath: "#/oneOf", keyword: "oneOf", params: {}, message: "bad" }]),
    ).toEqual([{ path: "openapi.x", message: "bad" }]);
  });

  it("readOpenApiText prefers JSON and falls back to YAML", () => {
    expect(readOpenApiText('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(readOpenApiText("a: 1\nb: [x]\n")).toEqual({ ok: true, value: { a: 1, b: ["x"] } });
  });
});
