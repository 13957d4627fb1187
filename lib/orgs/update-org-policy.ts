import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { Prisma } from "../generated/prisma/client";
import { orgPolicySelect, toOrgPolicyView } from "./org-policies";
import { mergePolicy, policyFieldsIn } from "../policy/patch";
import type { OrgPolicyView, UpdateOrgPolicyInput } from "../schemas/plans";

const noSuchPlan = (planId: string) =>
  new ApiError("validation_failed", "No such plan.", {
    details: [{ path: "planId", message: `No plan has the id ${JSON.stringify(planId)}.` }],
  });

/**
 * Put an organization on a plan (or none) and/or change its own policy
 * (platform admins). Every data plane drops the cached records of the
 * organization's keys and clients, so the next call is decided by the new policy.
 */
export async function updateOrgPolicy(
  principal: Principal,
  id: string,
  input: UpdateOrgPolicyInput,
  meta: RequestMeta,
): Promise<OrgPolicyView> {
  assertPlatformAdmin(principal);
  const fields = policyFieldsIn(input);
  const changed = (Object.keys(input) as (keyof UpdateOrgPolicyInput)[]).filter((k) => input[k] !== undefined);
  let view: OrgPolicyView;
  try {
    view = await prisma.$transaction(async (tx) => {
      // Row lock: concurrent patches of different fields must both survive the merge.
      const locked = await tx.$queryRaw<{ policy: unknown; plan_id: string | null; slug: string }[]>`
        SELECT policy, plan_id, slug FROM organizations WHERE id = ${id} FOR UPDATE`;
      const existing = locked[0];
      if (!existing) throw new ApiError("not_found", "No such organization.");

      const data: Prisma.OrganizationUpdateInput = {};
      if (input.planId !== undefined && input.planId !== existing.plan_id) {
        if (input.planId === null) data.plan = { disconnect: true };
        else {
          const plan = await tx.plan.findUnique({ where: { id: input.planId }, select: { id: true } });
          if (!plan) throw noSuchPlan(input.planId);
          data.plan = { connect: { id: plan.id } };
        }
      }
      const policy = fields.length ? mergePolicy(existing.policy, input) : null;
      if (policy) data.policy = policy as Prisma.InputJsonValue;
      const row = await tx.organization.update({ where: { id }, data, select: orgPolicySelect });

      await recordAudit(tx, {
        actor: actorOf(principal),
        action: "org.update_policy",
        target: { type: "organization", id },
        orgId: id,
        request: meta,
        context: {
          slug: existing.slug,
          changed,
          ...(input.planId !== undefined ? { plan: { from: existing.plan_id, to: row.plan?.id ?? null } } : {}),
          ...(policy ? { policy: { before: existing.policy, after: policy } } : {}),
        },
      });
      await notifyCredentialChange(tx, { kind: "policy", orgId: id });
      return toOrgPolicyView(row);
    });
  } catch (e) {
    // The plan was deleted between our check and the write (its row lock made us wait, see delete-plan.ts).
    if (
      e instanceof Prisma.PrismaClientKnownRequestError &&
      (e.code === "P2003" || e.code === "P2025") &&
      input.planId
    ) {
      throw noSuchPlan(input.planId);
    }
    throw e;
  }
  emitCredentialChange({ kind: "policy", orgId: id });
  return view;
}
