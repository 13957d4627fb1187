import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { ApiView } from "../schemas/apis";
import { apiViewSelect, toApiView } from "./api-view";

/**
 * Remove an API and (by cascade) its route rules. Scopes it introduced stay in
 * the catalog: keys and clients may hold them, and other APIs may use them.
 * Returns the API as it was.
 */
export async function deleteApi(principal: Principal, id: string, meta: RequestMeta): Promise<ApiView> {
  assertPlatformAdmin(principal);
  const view = await prisma.$transaction(async (tx) => {
    const row = await tx.api.findUnique({ where: { id }, select: apiViewSelect });
    if (!row) throw new ApiError("not_found", "No such API.");
    await tx.api.delete({ where: { id } });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "api.delete",
      target: { type: "api", id },
      request: meta,
      context: { name: row.name, basePath: row.basePath, routes: row.routes.length },
    });
    await notifyCredentialChange(tx, { kind: "catalog" });
    return toApiView(row);
  });
  emitCredentialChange({ kind: "catalog" });
  return view;
}
