import { json, parseBody, withAuth } from "@/lib/api/handler";
import { assertPlatformAdmin } from "@/lib/auth/principal";
import { createApi } from "@/lib/catalog/create-api";
import { listApis } from "@/lib/catalog/list-apis";
import { createApiSchema } from "@/lib/schemas/apis";

// POST /api/v1/apis — register an API, optionally importing its OpenAPI document (platform admins)
export const POST = withAuth(async ({ req, principal, meta }) => {
  assertPlatformAdmin(principal); // before reading a possibly large body
  return json(await createApi(principal, await parseBody(req, createApiSchema), meta), 201);
});

// GET /api/v1/apis — the API catalog with route rules (platform admins)
export const GET = withAuth(async ({ principal }) => json({ data: await listApis(principal) }));
