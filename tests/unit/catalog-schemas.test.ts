// Input rules for registering an API: basePath shape and reserved paths,
// upstream URL, and the shapes PUT /openapi accepts.
import { describe, expect, it } from "vitest";
import { createApiSchema, importBodyFromJson, importOpenApiSchema, reservedCollision } from "../../lib/schemas/apis";

const valid = { name: "Pets", basePath: "/petstore", upstreamUrl: "https://pets.internal:8080/v2" };
const messages = (input: unknown) => {
  const r = createApiSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
};

describe("createApiSchema", () => {
  it("accepts a well-formed API, with or without a document (object or text)", () => {
    expect(messages(valid)).toEqual([]);
    expect(messages({ ...valid, basePath: "/team-a/pets.v2", openapi: "openapi: 3.1.0" })).toEqual([]);
    expect(messages({ ...valid, openapi: { openapi: "3.1.0" } })).toEqual([]);
  });

  it.each([
    ["petstore", /must start with "\/"/],
    ["/petstore/", /must not end with a slash/],
    ["/", /at least one segment/],
    ["/pets?x=1", /must not contain "\?" or "#"/],
    ["/pets#a", /must not contain "\?" or "#"/],
    ["/a//b", /segments/],
    ["/a/../b", /segments/],
    ["/a b", /segments/],
  ])("rejects basePath %s", (basePath, message) => {
    const m = messages({ ...valid, basePath });
    expect(m.length).toBeGreaterThan(0);
    expect(m.every((x) => x.startsWith("basePath: "))).toBe(true);
    expect(m.join("\n")).toMatch(message);
  });

  it.each([
    "/api",
    "/api/pets",
    "/oauth",
    "/v1",
    "/v1/verify",
    "/authz",
    "/healthz",
    "/readyz",
    "/_next",
    "/.well-known",
    "/portal",
    "/admin",
    "/sign-in",
    "/sign-up",
    "/ADMIN",
  ])("rejects basePath %s: it collides with Gatehouse's own paths", (basePath) => {
    expect(messages({ ...valid, basePath }).join("\n")).toMatch(/collides with Gatehouse's own path/);
  });

  it("only whole segments collide", () => {
    expect(reservedCollision("/apis")).toBeNull();
    expect(reservedCollision("/v10")).toBeNull();
    expect(reservedCollision("/administration")).toBeNull();
    expect(reservedCollision("/api/x")).toBe("/api");
  });

  it.each([
    ["ftp://pets.internal", /absolute http\(s\) URL/],
    ["/relative", /absolute http\(s\) URL/],
    ["pets.internal", /absolute http\(s\) URL/],
    ["https://user:secret@pets.internal", /user name or password/],
  ])("rejects upstreamUrl %s", (upstreamUrl, message) => {
    expect(messages({ ...valid, upstreamUrl }).join("\n")).toMatch(message);
  });

  it("rejects unknown fields and a missing name", () => {
    expect(messages({ ...valid, extra: 1 }).length).toBeGreaterThan(0);
    expect(messages({ ...valid, name: "  " }).join("\n")).toMatch(/name/);
  });
});

describe("PUT /openapi body shapes", () => {
  it("a wrapper stays a wrapper; a bare document is wrapped", () => {
    const document = { openapi: "3.1.0", info: { title: "T", version: "1" }, paths: {} };
    expect(importOpenApiSchema.parse(importBodyFromJson({ openapi: document }))).toEqual({ openapi: document });
    expect(importOpenApiSchema.parse(importBodyFromJson({ openapi: "openapi: 3.1.0\n" }))).toEqual({
      openapi: "openapi: 3.1.0\n",
    });
    expect(importOpenApiSchema.parse(importBodyFromJson(document))).toEqual({ openapi: document });
    expect(importOpenApiSchema.safeParse(importBodyFromJson({ doc: document })).success).toBe(false);
  });
});
