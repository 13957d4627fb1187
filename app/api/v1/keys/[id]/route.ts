import { json, parseBody, withAuth } from "@/lib/api/handler";
import { getKey } from "@/lib/keys/list-keys";
import { revokeKey } from "@/lib/keys/revoke-key";
import { updateKey } from "@/lib/keys/update-key";
import { updateKeySchema } from "@/lib/schemas/policy";

type Params = { id: string };

// GET /api/v1/keys/{id} — one key (404 when it is not in your organization)
export const GET = withAuth<Params>(async ({ principal, params }) => json(await getKey(principal, params.id)), {
  permission: "keys:read",
});

// PATCH /api/v1/keys/{id} — change name, policy, remaining uses or refill; `null` clears a field
export const PATCH = withAuth<Params>(
  async ({ req, principal, params, meta }) =>
    json(await updateKey(principal, params.id, await parseBody(req, updateKeySchema), meta)),
  { permission: "keys:write" },
);

// DELETE /api/v1/keys/{id} — revoke now; verifiers reject it on the next call
export const DELETE = withAuth<Params>(
  async ({ principal, params, meta }) => json(await revokeKey(principal, params.id, meta)),
  { permission: "keys:write" },
);
