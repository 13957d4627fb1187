import { json, parseBody, withAuth } from "@/lib/api/handler";
import { assertPlatformAdmin } from "@/lib/auth/principal";
import { createPlan } from "@/lib/plans/create-plan";
import { listPlans } from "@/lib/plans/list-plans";
import { createPlanSchema } from "@/lib/schemas/plans";

// GET /api/v1/admin/plans — every plan with its policy and how many organizations are on it (platform admins)
export const GET = withAuth(async ({ principal }) => json({ data: await listPlans(principal) }));

// POST /api/v1/admin/plans — create a plan (platform admins)
export const POST = withAuth(async ({ req, principal, meta }) => {
  assertPlatformAdmin(principal); // before reading the body
  return json(await createPlan(principal, await parseBody(req, createPlanSchema), meta), 201);
});
