import { json, withAuth } from "@/lib/api/handler";
import { exportOpenApi } from "@/lib/catalog/export-openapi";
import { publicUrl } from "@/lib/env";

type Params = { id: string };

// GET /api/v1/apis/{id}/openapi.json — the API as OpenAPI, served through Gatehouse, with its security schemes
export const GET = withAuth<Params>(async ({ principal, params }) =>
  json(await exportOpenApi(principal, params.id, publicUrl())),
);
