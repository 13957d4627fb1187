import { ApiError, zodDetails } from "@/lib/api/errors";
import { json, withAuth } from "@/lib/api/handler";
import { listOrgPolicies } from "@/lib/orgs/org-policies";
import { listOrgsQuerySchema } from "@/lib/schemas/plans";

// GET /api/v1/admin/orgs?q=&planId=&cursor=&limit= — organizations with their plan and policy, by slug (platform admins)
export const GET = withAuth(async ({ req, principal }) => {
  const parsed = listOrgsQuerySchema.safeParse(Object.fromEntries(req.nextUrl.searchParams));
  if (!parsed.success) {
    throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid query.", {
      details: zodDetails(parsed.error.issues),
    });
  }
  return json(await listOrgPolicies(principal, parsed.data));
});
