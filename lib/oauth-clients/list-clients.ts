import { ApiError } from "../api/errors";
import type { Principal } from "../auth/principal";
import { prisma } from "../db";
import { clientViewSelect, toClientView } from "./client-view";

export async function listClients(principal: Principal) {
  const rows = await prisma.oAuthClient.findMany({
    where: { orgId: principal.orgId },
    orderBy: { createdAt: "desc" },
    select: clientViewSelect,
  });
  return rows.map((r) => toClientView(r));
}

/** Someone else's client is indistinguishable from a missing one: 404 either way. */
export async function getClient(principal: Principal, id: string) {
  const row = await prisma.oAuthClient.findFirst({ where: { id, orgId: principal.orgId }, select: clientViewSelect });
  if (!row) throw new ApiError("not_found", "No such OAuth client.");
  return toClientView(row);
}
