import { emitCredentialChange, type CredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { revokeClientTokens } from "../oauth/revocation";
import { clientViewSelect, toClientView } from "./client-view";

/**
 * Revoke now: the client can no longer authenticate, and every token it holds
 * stops (grants and refresh tokens deleted, its JWTs denylisted on every data
 * plane). Idempotent: revoking a revoked client returns it unchanged, with no
 * second event.
 */
export async function revokeClient(principal: Principal, id: string, meta: RequestMeta) {
  const { row, change } = await prisma.$transaction(async (tx) => {
    const existing = await tx.oAuthClient.findFirst({
      where: { id, orgId: principal.orgId },
      select: { clientId: true, name: true },
    });
    if (!existing) throw new ApiError("not_found", "No such OAuth client.");
    // Conditional, so a concurrent revoke records one event, not two.
    const { count } = await tx.oAuthClient.updateMany({
      where: { id, revokedAt: null },
      data: { revokedAt: new Date() },
    });
    const current = await tx.oAuthClient.findUniqueOrThrow({ where: { id }, select: clientViewSelect });
    if (count === 0) return { row: current, change: null };
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "oauth_client.revoke",
      target: { type: "oauth_client", id },
      orgId: principal.orgId,
      request: meta,
      context: { name: existing.name, clientId: existing.clientId },
    });
    const change: CredentialChange = await revokeClientTokens(tx, existing.clientId);
    return { row: current, change };
  });
  // After commit: evict this process's caches (other processes get the NOTIFY).
  if (change) emitCredentialChange(change);
  return toClientView(row);
}
