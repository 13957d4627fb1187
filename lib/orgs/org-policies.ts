// Organizations as the platform admin sees them for policy work: plan, own
// policy, member count. Admin-only, like plans.
import { ApiError } from "../api/errors";
import { assertPlatformAdmin, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { ListOrgsQuery, OrgPolicyView } from "../schemas/plans";
import { viewPolicy } from "../policy/patch";

export const orgPolicySelect = {
  id: true,
  slug: true,
  name: true,
  kind: true,
  policy: true,
  createdAt: true,
  plan: { select: { id: true, name: true } },
  _count: { select: { memberships: true } },
} as const;

type OrgRow = Prisma.OrganizationGetPayload<{ select: typeof orgPolicySelect }>;

export function toOrgPolicyView(o: OrgRow): OrgPolicyView {
  return {
    id: o.id,
    slug: o.slug,
    name: o.name,
    kind: o.kind,
    plan: o.plan ? { id: o.plan.id, name: o.plan.name } : null,
    policy: viewPolicy(o.policy),
    members: o._count.memberships,
    createdAt: o.createdAt.toISOString(),
  };
}

/** A page of organizations by slug; `nextCursor` is the last slug when more follow. */
export async function listOrgPolicies(
  principal: Principal,
  query: ListOrgsQuery = { limit: 100 },
): Promise<{ data: OrgPolicyView[]; nextCursor: string | null }> {
  assertPlatformAdmin(principal);
  const where: Prisma.OrganizationWhereInput = {};
  if (query.q) {
    where.OR = [
      { slug: { contains: query.q, mode: "insensitive" } },
      { name: { contains: query.q, mode: "insensitive" } },
    ];
  }
  if (query.planId) where.planId = query.planId;
  if (query.cursor) where.slug = { gt: query.cursor };
  const rows = await prisma.organization.findMany({
    where,
    orderBy: { slug: "asc" },
    take: query.limit + 1,
    select: orgPolicySelect,
  });
  const page = rows.slice(0, query.limit);
  return {
    data: page.map(toOrgPolicyView),
    nextCursor: rows.length > query.limit ? (page[page.length - 1]?.slug ?? null) : null,
  };
}

export async function getOrgPolicy(principal: Principal, id: string): Promise<OrgPolicyView> {
  assertPlatformAdmin(principal);
  const row = await prisma.organization.findUnique({ where: { id }, select: orgPolicySelect });
  if (!row) throw new ApiError("not_found", "No such organization.");
  return toOrgPolicyView(row);
}
