import { json, withAuth } from "@/lib/api/handler";
import { deleteApi } from "@/lib/catalog/delete-api";
import { getApi } from "@/lib/catalog/list-apis";

type Params = { id: string };

// GET /api/v1/apis/{id} — one API with its route rules (platform admins)
export const GET = withAuth<Params>(async ({ principal, params }) => json(await getApi(principal, params.id)));

// DELETE /api/v1/apis/{id} — remove the API and its route rules; answers with the API as it was (platform admins)
export const DELETE = withAuth<Params>(async ({ principal, params, meta }) =>
  json(await deleteApi(principal, params.id, meta)),
);
