import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { CreatePlanInput, PlanView } from "../schemas/plans";
import { assertPlanNameFree, isUniqueViolation, planNameTaken } from "./name-taken";
import { planViewSelect, toPlanView } from "./plan-view";
import { mergePolicy, policyFieldsIn } from "../policy/patch";

/**
 * Create a plan. No data-plane eviction: no organization can be on a plan that
 * did not exist, so no cached record merged it (assigning it evicts, see
 * lib/orgs/update-org-policy.ts).
 */
export async function createPlan(principal: Principal, input: CreatePlanInput, meta: RequestMeta): Promise<PlanView> {
  assertPlatformAdmin(principal);
  const policy = mergePolicy({}, input);
  try {
    return await prisma.$transaction(async (tx) => {
      await assertPlanNameFree(tx, input.name);
      const row = await tx.plan.create({
        data: { name: input.name, description: input.description, policy: policy as Prisma.InputJsonValue },
        select: planViewSelect,
      });
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: "plan.create",
        target: { type: "plan", id: row.id },
        request: meta,
        context: { name: row.name, fields: policyFieldsIn(input), policy },
      });
      return toPlanView(row);
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw planNameTaken(input.name);
    throw e;
  }
}
