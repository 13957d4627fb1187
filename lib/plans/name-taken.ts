import { ApiError } from "../api/errors";
import type { Tx } from "../db";
import { Prisma } from "../generated/prisma/client";

export const planNameTaken = (name: string) =>
  new ApiError("conflict", `A plan named "${name}" already exists.`, {
    details: [{ path: "name", message: `"${name}" is taken.` }],
  });

/**
 * Names are unique regardless of case ("Pro" and "pro" would be indistinguishable
 * in a picker); the unique index still decides a race between two exact names.
 */
export async function assertPlanNameFree(tx: Tx, name: string, exceptId?: string): Promise<void> {
  const other = await tx.plan.findFirst({
    where: { name: { equals: name, mode: "insensitive" }, ...(exceptId ? { id: { not: exceptId } } : {}) },
    select: { id: true },
  });
  if (other) throw planNameTaken(name);
}

export function isUniqueViolation(e: unknown): boolean {
  return e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002";
}
