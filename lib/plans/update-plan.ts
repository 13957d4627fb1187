import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { PlanView, UpdatePlanInput } from "../schemas/plans";
import { assertPlanNameFree, isUniqueViolation, planNameTaken } from "./name-taken";
import { planViewSelect, toPlanView } from "./plan-view";
import { mergePolicy, policyFieldsIn } from "../policy/patch";

/**
 * Rename, describe or change a plan's policy. A policy change reaches every
 * organization on the plan at once: every data plane drops the records that
 * merged it (one `policy` event, no orgId — the plan may have many).
 */
export async function updatePlan(
  principal: Principal,
  id: string,
  input: UpdatePlanInput,
  meta: RequestMeta,
): Promise<PlanView> {
  assertPlatformAdmin(principal);
  const fields = policyFieldsIn(input);
  const changed = (Object.keys(input) as (keyof UpdatePlanInput)[]).filter((k) => input[k] !== undefined);
  let view: PlanView;
  try {
    view = await prisma.$transaction(async (tx) => {
      // Row lock: two concurrent patches of different fields must both survive the merge.
      const locked = await tx.$queryRaw<{ policy: unknown; name: string }[]>`
        SELECT policy, name FROM plans WHERE id = ${id} FOR UPDATE`;
      const existing = locked[0];
      if (!existing) throw new ApiError("not_found", "No such plan.");
      if (input.name !== undefined && input.name !== existing.name) await assertPlanNameFree(tx, input.name, id);

      const data: Prisma.PlanUpdateInput = {};
      if (input.name !== undefined) data.name = input.name;
      if (input.description !== undefined) data.description = input.description;
      const policy = fields.length ? mergePolicy(existing.policy, input) : null;
      if (policy) data.policy = policy as Prisma.InputJsonValue;
      const row = await tx.plan.update({ where: { id }, data, select: planViewSelect });

      await recordAudit(tx, {
        actor: actorOf(principal),
        action: "plan.update",
        target: { type: "plan", id },
        request: meta,
        context: {
          name: row.name,
          changed,
          ...(input.name !== undefined && input.name !== existing.name ? { previousName: existing.name } : {}),
          ...(policy ? { policy: { before: existing.policy, after: policy } } : {}),
          organizations: row._count.organizations,
        },
      });
      if (policy) await notifyCredentialChange(tx, { kind: "policy" });
      return toPlanView(row);
    });
  } catch (e) {
    if (isUniqueViolation(e) && input.name !== undefined) throw planNameTaken(input.name);
    throw e;
  }
  if (fields.length) emitCredentialChange({ kind: "policy" });
  return view;
}
