import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { PlanView } from "../schemas/plans";
import { planViewSelect, toPlanView } from "./plan-view";

/**
 * Delete a plan nobody is on; returns it as it was. A plan still in use is
 * refused (409, `details.organizations` = how many): the schema's ON DELETE SET
 * NULL would silently drop those organizations to "no plan" — their limits and
 * quotas would vanish without anyone deciding it. Move them first.
 *
 * No data-plane eviction: with no organization on the plan, no cached record merged it.
 */
export async function deletePlan(principal: Principal, id: string, meta: RequestMeta): Promise<PlanView> {
  assertPlatformAdmin(principal);
  return prisma.$transaction(async (tx) => {
    // FOR UPDATE conflicts with the FOR KEY SHARE lock an organization's plan_id
    // write takes on this row: an assignment racing this delete either commits
    // first (and is counted below) or waits and then fails its foreign key.
    const locked = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM plans WHERE id = ${id} FOR UPDATE`;
    if (!locked[0]) throw new ApiError("not_found", "No such plan.");
    const row = await tx.plan.findUniqueOrThrow({ where: { id }, select: planViewSelect });
    const inUse = row._count.organizations;
    if (inUse > 0) {
      throw new ApiError(
        "conflict",
        `The plan "${row.name}" is used by ${inUse} organization${inUse === 1 ? "" : "s"}. Move ${inUse === 1 ? "it" : "them"} to another plan (or to no plan) first.`,
        { details: { organizations: inUse } },
      );
    }
    await tx.plan.delete({ where: { id } });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "plan.delete",
      target: { type: "plan", id },
      request: meta,
      context: { name: row.name, policy: row.policy },
    });
    return toPlanView(row);
  });
}
