// API catalog schemas by purpose (DESIGN.md §3.3): register an API, re-import
// its OpenAPI document, and the API view (with its route rules) that leaves.
import { z } from "zod";

/**
 * Paths Gatehouse itself answers on (data plane, OAuth, Next pages and assets):
 * an API mounted on one of them would be unreachable or would shadow Gatehouse.
 */
export const RESERVED_BASE_PATHS = [
  "/api",
  "/oauth",
  "/v1",
  "/authz",
  "/healthz",
  "/readyz",
  "/_next",
  "/.well-known",
  "/portal",
  "/admin",
  "/sign-in",
  "/sign-up",
] as const;

/** `/a` collides with `/a` and `/a/b` (segment-wise, case-insensitive: some proxies fold case). */
export function reservedCollision(basePath: string): string | null {
  const p = basePath.toLowerCase();
  return RESERVED_BASE_PATHS.find((r) => p === r || p.startsWith(`${r}/`)) ?? null;
}

const SEGMENT = /^[A-Za-z0-9._~-]+$/;

export const basePathSchema = z
  .string()
  .trim()
  .min(2, 'basePath must start with "/" and name at least one segment, e.g. /petstore.')
  .max(200)
  .refine((v) => v.startsWith("/"), 'basePath must start with "/".')
  .refine((v) => !v.endsWith("/"), "basePath must not end with a slash.")
  .refine((v) => !/[?#]/.test(v), 'basePath must not contain "?" or "#".')
  .refine(
    (v) =>
      !v.startsWith("/") ||
      v.endsWith("/") ||
      /[?#]/.test(v) ||
      v
        .slice(1)
        .split("/")
        .every((s) => SEGMENT.test(s) && s !== "." && s !== ".."),
    "basePath segments may use letters, digits and . _ ~ - (no empty, '.' or '..' segments).",
  )
  .superRefine((v, ctx) => {
    const hit = reservedCollision(v);
    if (hit) ctx.addIssue({ code: "custom", message: `basePath collides with Gatehouse's own path ${hit}.` });
  })
  .meta({ example: "/petstore" });

export const upstreamUrlSchema = z
  .string()
  .trim()
  .max(2000)
  .refine((v) => {
    try {
      const u = new URL(v);
      return (u.protocol === "http:" || u.protocol === "https:") && u.hostname.length > 0;
    } catch {
      return false;
    }
  }, "upstreamUrl must be an absolute http(s) URL, e.g. https://pets.internal:8080.")
  // Credentials in the URL would be stored and shown in clear: configure upstream auth elsewhere.
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.username === "" && u.password === "";
    } catch {
      return true;
    }
  }, "upstreamUrl must not contain a user name or password.")
  .meta({ example: "https://pets.internal.example:8080" });

/** An OpenAPI 3.0/3.1 document: a JSON object, or its JSON or YAML text. Checked in lib/catalog/parse-openapi.ts. */
export const openApiInputSchema = z
  .union([z.string().min(1, "The OpenAPI document is empty.").max(5_000_000), z.record(z.string(), z.unknown())])
  .meta({
    id: "OpenApiDocumentInput",
    description: "An OpenAPI 3.0.x or 3.1.x document: a JSON object, or its JSON or YAML text. No external $refs.",
  });

export const createApiSchema = z
  .object({
    name: z.string().trim().min(1, "Give the API a name.").max(100),
    basePath: basePathSchema,
    upstreamUrl: upstreamUrlSchema,
    openapi: openApiInputSchema.optional(),
  })
  .strict()
  .meta({ id: "CreateApiRequest" });
export type CreateApiInput = z.infer<typeof createApiSchema>;

export const importOpenApiSchema = z
  .object({ openapi: openApiInputSchema })
  .strict()
  .meta({ id: "ImportOpenApiRequest" });
export type ImportOpenApiInput = z.infer<typeof importOpenApiSchema>;

/**
 * PUT /api/v1/apis/{id}/openapi takes `{"openapi": <document or its text>}`, or
 * the document itself as the JSON body (what `curl -T petstore.json` sends). A
 * document is recognised by its version string next to `info` or `paths`.
 */
export function importBodyFromJson(raw: unknown): unknown {
  if (
    typeof raw === "object" &&
    raw !== null &&
    !Array.isArray(raw) &&
    typeof (raw as Record<string, unknown>).openapi === "string" &&
    ("info" in raw || "paths" in raw || "components" in raw)
  ) {
    return { openapi: raw };
  }
  return raw;
}

export const routeRuleSchema = z
  .object({
    method: z.string().meta({ example: "GET" }),
    pathTemplate: z.string().meta({ example: "/pets/{petId}", description: "Relative to the API's basePath." }),
    operationId: z.string().nullable(),
    security: z.array(z.array(z.string())).meta({
      description:
        "Alternatives (any one suffices), each a list of scopes that are all required. [] = any valid credential.",
      example: [["read:pets"], []],
    }),
    anonymous: z.boolean().meta({ description: "True when the operation needs no credential at all." }),
  })
  .meta({ id: "RouteRule" });
export type RouteRuleView = z.infer<typeof routeRuleSchema>;

export const apiSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    basePath: z.string(),
    upstreamUrl: z.string(),
    routes: z.array(routeRuleSchema),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "Api" });
export type ApiView = z.infer<typeof apiSchema>;

export const apiListSchema = z.object({ data: z.array(apiSchema) }).meta({ id: "ApiList" });
