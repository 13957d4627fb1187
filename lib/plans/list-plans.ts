import { ApiError } from "../api/errors";
import { assertPlatformAdmin, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { PlanView } from "../schemas/plans";
import { planViewSelect, toPlanView } from "./plan-view";

export async function listPlans(principal: Principal): Promise<PlanView[]> {
  assertPlatformAdmin(principal);
  const rows = await prisma.plan.findMany({ orderBy: { name: "asc" }, select: planViewSelect });
  return rows.map(toPlanView);
}

export async function getPlan(principal: Principal, id: string): Promise<PlanView> {
  assertPlatformAdmin(principal);
  const row = await prisma.plan.findUnique({ where: { id }, select: planViewSelect });
  if (!row) throw new ApiError("not_found", "No such plan.");
  return toPlanView(row);
}
