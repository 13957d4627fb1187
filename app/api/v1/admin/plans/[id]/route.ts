import { json, parseBody, withAuth } from "@/lib/api/handler";
import { assertPlatformAdmin } from "@/lib/auth/principal";
import { deletePlan } from "@/lib/plans/delete-plan";
import { getPlan } from "@/lib/plans/list-plans";
import { updatePlan } from "@/lib/plans/update-plan";
import { updatePlanSchema } from "@/lib/schemas/plans";

type Params = { id: string };

// GET /api/v1/admin/plans/{id} — one plan (platform admins)
export const GET = withAuth<Params>(async ({ principal, params }) => json(await getPlan(principal, params.id)));

// PATCH /api/v1/admin/plans/{id} — rename, describe or change the policy; `null` clears a policy field (platform admins)
export const PATCH = withAuth<Params>(async ({ req, principal, params, meta }) => {
  assertPlatformAdmin(principal);
  return json(await updatePlan(principal, params.id, await parseBody(req, updatePlanSchema), meta));
});

// DELETE /api/v1/admin/plans/{id} — delete an unused plan; 409 while organizations are on it (platform admins)
export const DELETE = withAuth<Params>(async ({ principal, params, meta }) =>
  json(await deletePlan(principal, params.id, meta)),
);
