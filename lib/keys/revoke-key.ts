import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { keyViewSelect, toKeyView } from "./key-view";

/** Revoke now; idempotent (revoking a revoked key returns it unchanged, no second event). */
export async function revokeKey(principal: Principal, id: string, meta: RequestMeta) {
  const { row, hash } = await prisma.$transaction(async (tx) => {
    const existing = await tx.apiKey.findFirst({
      where: { id, orgId: principal.orgId },
      select: { hash: true, revokedAt: true },
    });
    if (!existing) throw new ApiError("not_found", "No such key.");
    if (existing.revokedAt) {
      return { row: await tx.apiKey.findUniqueOrThrow({ where: { id }, select: keyViewSelect }), hash: null };
    }
    const updated = await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() }, select: keyViewSelect });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "key.revoke",
      target: { type: "api_key", id },
      orgId: principal.orgId,
      request: meta,
      context: { name: updated.name },
    });
    await notifyCredentialChange(tx, { kind: "api_key", hash: existing.hash });
    return { row: updated, hash: existing.hash };
  });
  if (hash) emitCredentialChange({ kind: "api_key", hash });
  return toKeyView(row);
}
