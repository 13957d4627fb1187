import { describe, expect, it } from "vitest";
import {
  EMPTY_ROUTE_TABLE,
  RouteTable,
  satisfiedAlternative,
  toRouterPath,
  type ApiInput,
  type RouteMatch,
  type RouteRuleInput,
} from "../../lib/policy/routes";

const rule = (
  method: string,
  pathTemplate: string,
  operationId: string,
  security: string[][] = [],
  anonymous = false,
): RouteRuleInput => ({ method, pathTemplate, operationId, security, anonymous });

const api = (id: string, basePath: string, routes: RouteRuleInput[] = []): ApiInput => ({
  id,
  name: id.toUpperCase(),
  basePath,
  upstreamUrl: `http://${id}.internal`,
  routes,
});

/** A compact view of a match: kind, API id, operationId and params. */
function view(m: RouteMatch) {
  if (m.kind === "none") return { kind: m.kind };
  if (m.kind === "unknown_route") return { kind: m.kind, api: m.api.id };
  return { kind: m.kind, api: m.api.id, op: m.rule?.operationId ?? null, params: m.params };
}

const PETS = api("pets", "/api", [
  rule("GET", "/pets", "listPets", [["pets:read"]]),
  rule("post", "/pets", "createPet", [["pets:write"]]),
  rule("GET", "/pets/{petId}", "getPet", [["pets:read"]]),
  rule("GET", "/owners/{ownerId}/pets/{petId}", "getOwnerPet"),
  rule("GET", "/files/{file.name}", "getFile"),
  rule("GET", "/things:search", "searchThings"),
]);
const V2 = api("v2", "/api/v2"); // no route rules
const APIX = api("apix", "/apix", [rule("GET", "/", "apixRoot")]);

describe("toRouterPath", () => {
  it("turns {param} into :param", () => {
    expect(toRouterPath("/pets/{petId}")).toBe("/pets/:petId");
    expect(toRouterPath("/a/{x}/b/{y}")).toBe("/a/:x/b/:y");
    expect(toRouterPath("/pets")).toBe("/pets");
  });

  it("doubles literal colons (find-my-way's escape)", () => {
    expect(toRouterPath("/things:search")).toBe("/things::search");
    expect(toRouterPath("/a:b:c")).toBe("/a::b::c");
  });

  it("makes param names router-safe", () => {
    expect(toRouterPath("/files/{file.name}")).toBe("/files/:file_name");
    expect(toRouterPath("/x/{a-b}")).toBe("/x/:a_b");
  });
});

describe("RouteTable.match", () => {
  const table = new RouteTable([APIX, PETS, V2]);

  it("counts its APIs", () => {
    expect(table.size).toBe(3);
    expect(EMPTY_ROUTE_TABLE.size).toBe(0);
  });

  it("the longest basePath wins (/api/v2 over /api), whatever the input order", () => {
    expect(view(table.match("GET", "/api/v2/anything"))).toEqual({ kind: "route", api: "v2", op: null, params: {} });
    expect(view(table.match("GET", "/api/v2"))).toEqual({ kind: "route", api: "v2", op: null, params: {} });
    const reversed = new RouteTable([V2, PETS]);
    expect(view(reversed.match("GET", "/api/v2/pets"))).toMatchObject({ api: "v2" });
    expect(view(reversed.match("GET", "/api/pets"))).toMatchObject({ api: "pets", op: "listPets" });
  });

  it("basePaths match on segment boundaries: /apix is not under /api, /api/v2x is not under /api/v2", () => {
    expect(view(table.match("GET", "/apix"))).toEqual({ kind: "route", api: "apix", op: "apixRoot", params: {} });
    expect(view(table.match("GET", "/apix/pets"))).toEqual({ kind: "unknown_route", api: "apix" });
    expect(view(table.match("GET", "/api/v2x"))).toEqual({ kind: "unknown_route", api: "pets" });
    expect(view(new RouteTable([PETS]).match("GET", "/apix/pets"))).toEqual({ kind: "none" });
  });

  it("a path under no API → none", () => {
    expect(view(table.match("GET", "/other"))).toEqual({ kind: "none" });
    expect(view(table.match("GET", "/"))).toEqual({ kind: "none" });
    expect(view(table.match("GET", "/ap"))).toEqual({ kind: "none" });
    expect(view(EMPTY_ROUTE_TABLE.match("GET", "/api/pets"))).toEqual({ kind: "none" });
  });

  it("base paths and templates match case-insensitively (fail closed: an upstream that folds case can't dodge a rule)", () => {
    expect(view(table.match("GET", "/API/pets"))).toEqual({ kind: "route", api: "pets", op: "listPets", params: {} });
    expect(view(table.match("GET", "/Api/PETS"))).toEqual({ kind: "route", api: "pets", op: "listPets", params: {} });
  });

  it("matches static routes and carries the rule with its API", () => {
    const m = table.match("GET", "/api/pets");
    expect(view(m)).toEqual({ kind: "route", api: "pets", op: "listPets", params: {} });
    if (m.kind !== "route" || !m.rule) throw new Error("expected a rule");
    expect(m.rule.security).toEqual([["pets:read"]]);
    expect(m.rule.api).toMatchObject({
      id: "pets",
      basePath: "/api",
      upstreamUrl: "http://pets.internal",
      hasRoutes: true,
    });
    expect(m.api).toEqual({
      id: "pets",
      name: "PETS",
      basePath: "/api",
      upstreamUrl: "http://pets.internal",
      hasRoutes: true,
    });
  });

  it("extracts path params (decoded), several per path", () => {
    expect(view(table.match("GET", "/api/pets/42"))).toEqual({
      kind: "route",
      api: "pets",
      op: "getPet",
      params: { petId: "42" },
    });
    expect(view(table.match("GET", "/api/owners/7/pets/9"))).toMatchObject({
      op: "getOwnerPet",
      params: { ownerId: "7", petId: "9" },
    });
    expect(view(table.match("GET", "/api/pets/a%20b"))).toMatchObject({ op: "getPet", params: { petId: "a b" } });
    expect(view(table.match("GET", "/api/files/report.pdf"))).toMatchObject({
      op: "getFile",
      params: { file_name: "report.pdf" },
    });
  });

  it("a param holds one segment only", () => {
    expect(view(table.match("GET", "/api/pets/1/2"))).toEqual({ kind: "unknown_route", api: "pets" });
  });

  it("literal colons in a template are literal", () => {
    expect(view(table.match("GET", "/api/things:search"))).toMatchObject({ kind: "route", op: "searchThings" });
    expect(view(table.match("GET", "/api/things"))).toEqual({ kind: "unknown_route", api: "pets" });
    expect(view(table.match("GET", "/api/things:other"))).toEqual({ kind: "unknown_route", api: "pets" });
  });

  // Regression (was a bug): "/v1/{name}:cancel" becomes "/v1/:name::cancel", which find-my-way reads as ONE param
  // named "name::cancel" covering the whole segment: it matches "/v1/op" (no ":cancel") and yields
  // params { "name::cancel": "op:cancel" }.
  it("a param followed by a literal colon (custom method /v1/{name}:cancel) needs the suffix", () => {
    const t = new RouteTable([api("ops", "/ops", [rule("POST", "/v1/{name}:cancel", "cancelOp", [["ops:admin"]])])]);
    expect(view(t.match("POST", "/ops/v1/op1:cancel"))).toEqual({
      kind: "route",
      api: "ops",
      op: "cancelOp",
      params: { name: "op1" },
    });
    expect(view(t.match("POST", "/ops/v1/op1"))).toEqual({ kind: "unknown_route", api: "ops" });
  });

  // Regression (was a bug, security-relevant): with both "/v1/{name}" and "/v1/{name}:cancel" in the catalog the
  // router throws on the second registration, which is silently skipped. "POST /v1/op1:cancel" then gets
  // the "/v1/{name}" rule and its weaker scope requirement.
  it("/v1/{name} and /v1/{name}:cancel coexist, each with its own rule", () => {
    const t = new RouteTable([
      api("ops", "/ops", [
        rule("POST", "/v1/{name}", "updateOp", [["ops:write"]]),
        rule("POST", "/v1/{name}:cancel", "cancelOp", [["ops:admin"]]),
      ]),
    ]);
    expect(view(t.match("POST", "/ops/v1/op1:cancel"))).toMatchObject({ op: "cancelOp", params: { name: "op1" } });
    expect(view(t.match("POST", "/ops/v1/op1"))).toMatchObject({ op: "updateOp", params: { name: "op1" } });
  });

  it("methods are case-insensitive on both sides", () => {
    expect(view(table.match("get", "/api/pets"))).toMatchObject({ op: "listPets" });
    expect(view(table.match("Get", "/api/pets"))).toMatchObject({ op: "listPets" });
    expect(view(table.match("POST", "/api/pets"))).toMatchObject({ op: "createPet" }); // declared as "post"
    expect(view(table.match("post", "/api/pets"))).toMatchObject({ op: "createPet" });
  });

  it("an operation the API doesn't declare → unknown_route (other method, other path)", () => {
    expect(view(table.match("DELETE", "/api/pets"))).toEqual({ kind: "unknown_route", api: "pets" });
    expect(view(table.match("GET", "/api/cats"))).toEqual({ kind: "unknown_route", api: "pets" });
    expect(view(table.match("GET", "/api"))).toEqual({ kind: "unknown_route", api: "pets" });
  });

  it("an API without route rules → route with rule null, for any method and path under it", () => {
    for (const [method, path] of [
      ["GET", "/api/v2"],
      ["DELETE", "/api/v2/x/y/z"],
      ["PATCH", "/api/v2/"],
    ]) {
      const m = table.match(method, path);
      expect(m.kind).toBe("route");
      if (m.kind !== "route") continue;
      expect(m.rule).toBeNull();
      expect(m.params).toEqual({});
      expect(m.api).toMatchObject({ id: "v2", hasRoutes: false });
    }
  });

  it("trailing slashes are strict: /pets/ is not /pets, /apix/ is the template /", () => {
    const strict = new RouteTable([
      api("s", "/s", [rule("GET", "/pets", "listPets"), rule("GET", "/dir/", "dirSlash")]),
    ]);
    expect(view(strict.match("GET", "/s/pets/"))).toEqual({ kind: "unknown_route", api: "s" });
    expect(view(strict.match("GET", "/s/dir/"))).toMatchObject({ op: "dirSlash" });
    expect(view(strict.match("GET", "/s/dir"))).toEqual({ kind: "unknown_route", api: "s" });
    expect(view(table.match("GET", "/apix/"))).toMatchObject({ op: "apixRoot" });
  });

  // Regression (was a bug, security-relevant): find-my-way lets a param match the empty string, so "GET /api/pets/"
  // is taken as getPet with petId "" and gets getPet's scope requirement instead of listPets' or unknown_route;
  // an upstream that ignores trailing slashes then serves listPets. OpenAPI path params are always required.
  it("a param never matches an empty segment (/pets/ is not /pets/{petId})", () => {
    expect(view(table.match("GET", "/api/pets/"))).toEqual({ kind: "unknown_route", api: "pets" });
    expect(view(table.match("GET", "/api/owners//pets/9"))).toEqual({ kind: "unknown_route", api: "pets" });
  });

  it("duplicate routes don't throw; the first one declared is kept", () => {
    let t: RouteTable | undefined;
    expect(() => {
      t = new RouteTable([
        api("d", "/d", [rule("GET", "/x", "first"), rule("get", "/x", "second"), rule("GET", "/y", "y")]),
      ]);
    }).not.toThrow();
    expect(view(t!.match("GET", "/d/x"))).toMatchObject({ op: "first" });
    expect(view(t!.match("GET", "/d/y"))).toMatchObject({ op: "y" }); // routes after the duplicate still load
  });

  it("a template the router can't hold is skipped, the rest of the API still loads", () => {
    const t = new RouteTable([api("b", "/b", [rule("NOTAMETHOD", "/x", "bad"), rule("GET", "/ok", "ok")])]);
    expect(view(t.match("GET", "/b/ok"))).toMatchObject({ op: "ok" });
    expect(view(t.match("NOTAMETHOD", "/b/x"))).toEqual({ kind: "unknown_route", api: "b" });
  });
});

describe("satisfiedAlternative", () => {
  const granted = new Set(["a", "b"]);

  it("[] (no alternatives) needs nothing", () => {
    expect(satisfiedAlternative([], new Set())).toEqual([]);
    expect(satisfiedAlternative([], granted)).toEqual([]);
  });

  it("[[]] (one empty alternative) is satisfied by any credential", () => {
    expect(satisfiedAlternative([[]], new Set())).toEqual([]);
  });

  it("[[a, b], [c]]: all scopes of one alternative are needed", () => {
    const security = [["a", "b"], ["c"]];
    expect(satisfiedAlternative(security, granted)).toEqual(["a", "b"]);
    expect(satisfiedAlternative(security, new Set(["c"]))).toEqual(["c"]);
    expect(satisfiedAlternative(security, new Set(["a"]))).toBeNull();
    expect(satisfiedAlternative(security, new Set(["b", "x"]))).toBeNull();
    expect(satisfiedAlternative(security, new Set())).toBeNull();
  });

  it("returns the first satisfied alternative", () => {
    expect(satisfiedAlternative([["c"], ["a"], ["b"]], granted)).toEqual(["a"]);
    expect(satisfiedAlternative([["a"], []], granted)).toEqual(["a"]);
    expect(satisfiedAlternative([["z"], []], granted)).toEqual([]);
  });
});
