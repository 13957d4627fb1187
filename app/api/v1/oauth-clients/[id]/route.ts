import { json, withAuth } from "@/lib/api/handler";
import { getClient } from "@/lib/oauth-clients/list-clients";
import { revokeClient } from "@/lib/oauth-clients/revoke-client";

type Params = { id: string };

// GET /api/v1/oauth-clients/{id} — one OAuth client (404 when it is not in your organization)
export const GET = withAuth<Params>(async ({ principal, params }) => json(await getClient(principal, params.id)), {
  permission: "clients:read",
});

// DELETE /api/v1/oauth-clients/{id} — revoke now; its grants, refresh tokens and access tokens stop too
export const DELETE = withAuth<Params>(
  async ({ principal, params, meta }) => json(await revokeClient(principal, params.id, meta)),
  { permission: "clients:write" },
);
