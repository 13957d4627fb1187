import { ApiError } from "../api/errors";
import type { Principal } from "../auth/principal";
import { prisma } from "../db";
import { keyViewSelect, toKeyView } from "./key-view";

export async function listKeys(principal: Principal) {
  const rows = await prisma.apiKey.findMany({
    where: { orgId: principal.orgId },
    orderBy: { createdAt: "desc" },
    select: keyViewSelect,
  });
  return rows.map((r) => toKeyView(r));
}

/** Someone else's key is indistinguishable from a missing one: 404 either way. */
export async function getKey(principal: Principal, id: string) {
  const row = await prisma.apiKey.findFirst({ where: { id, orgId: principal.orgId }, select: keyViewSelect });
  if (!row) throw new ApiError("not_found", "No such key.");
  return toKeyView(row);
}
