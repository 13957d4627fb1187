import { ApiError, zodDetails } from "@/lib/api/errors";
import { json, parseBody, withAuth } from "@/lib/api/handler";
import { assertPlatformAdmin } from "@/lib/auth/principal";
import { importOpenApi } from "@/lib/catalog/import-openapi";
import { importBodyFromJson, importOpenApiSchema, type ImportOpenApiInput } from "@/lib/schemas/apis";
import { z } from "zod";

type Params = { id: string };

const YAML_TYPES = /^(?:application|text)\/(?:x-)?yaml\b/i;

async function readImport(req: Request): Promise<ImportOpenApiInput> {
  // A YAML body is the document's text; a JSON body is {"openapi": …} or the document itself.
  if (YAML_TYPES.test(req.headers.get("content-type") ?? "")) return { openapi: await req.text() };
  const parsed = importOpenApiSchema.safeParse(importBodyFromJson(await parseBody(req, z.unknown())));
  if (!parsed.success) {
    throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid request.", {
      details: zodDetails(parsed.error.issues),
    });
  }
  return parsed.data;
}

// PUT /api/v1/apis/{id}/openapi — re-import the API's OpenAPI document: its operations replace the route rules
export const PUT = withAuth<Params>(async ({ req, principal, params, meta }) => {
  assertPlatformAdmin(principal);
  return json(await importOpenApi(principal, params.id, await readImport(req), meta));
});
