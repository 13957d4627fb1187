import { json, parseBody, withAuth } from "@/lib/api/handler";
import { updateOrgPolicy } from "@/lib/orgs/update-org-policy";
import { assertPlatformAdmin } from "@/lib/auth/principal";
import { getOrgPolicy } from "@/lib/orgs/org-policies";
import { updateOrgPolicySchema } from "@/lib/schemas/plans";

type Params = { id: string };

// GET /api/v1/admin/orgs/{id} — one organization with its plan and policy (platform admins)
export const GET = withAuth<Params>(async ({ principal, params }) => json(await getOrgPolicy(principal, params.id)));

// PATCH /api/v1/admin/orgs/{id} — set the plan and/or the organization's own policy; `null` clears (platform admins)
export const PATCH = withAuth<Params>(async ({ req, principal, params, meta }) => {
  assertPlatformAdmin(principal);
  return json(await updateOrgPolicy(principal, params.id, await parseBody(req, updateOrgPolicySchema), meta));
});
