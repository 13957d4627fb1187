import { json, parseBody, withAuth } from "@/lib/api/handler";
import { getClient } from "@/lib/oauth-clients/list-clients";
import { revokeClient } from "@/lib/oauth-clients/revoke-client";
import { updateClientPolicy } from "@/lib/oauth-clients/update-client-policy";
import { updateClientPolicySchema } from "@/lib/schemas/plans";

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

// PATCH /api/v1/oauth-clients/{id} — set the client's policy (IP, time windows, rate limits, quota); `null` clears a field
export const PATCH = withAuth<Params>(
  async ({ req, principal, params, meta }) =>
    json(await updateClientPolicy(principal, params.id, await parseBody(req, updateClientPolicySchema), meta)),
  { permission: "clients:write" },
);
