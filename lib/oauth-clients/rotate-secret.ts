import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { generateSecret, hashSecret, lastFour, PREFIXES } from "../credentials/format";
import { prisma } from "../db";
import type { RotatedSecret, RotateSecretInput } from "../schemas/oauth-clients";

/**
 * Issue a new secret (shown once). The old one keeps working for the grace
 * period so deployments can roll over without downtime; 0 stops it at once.
 * Only one previous secret is kept: rotating again during a grace period ends
 * the older one immediately.
 */
export async function rotateSecret(
  principal: Principal,
  id: string,
  input: RotateSecretInput,
  meta: RequestMeta,
): Promise<RotatedSecret> {
  const secret = generateSecret(PREFIXES.oauthClientSecret);
  const grace = input.gracePeriodSeconds;
  const rotated = await prisma.$transaction(async (tx) => {
    const existing = await tx.oAuthClient.findFirst({
      where: { id, orgId: principal.orgId },
      select: { clientId: true, name: true, type: true, secretHash: true, revokedAt: true },
    });
    if (!existing) throw new ApiError("not_found", "No such OAuth client.");
    if (existing.revokedAt)
      throw new ApiError("conflict", "This OAuth client is revoked; its secret cannot be rotated.");
    if (existing.type === "public" || !existing.secretHash) {
      throw new ApiError("validation_failed", "Public clients have no secret to rotate.");
    }
    const previousSecretExpiresAt = grace > 0 ? new Date(Date.now() + grace * 1000) : null;
    // Conditional on the hash we read: a concurrent rotation must not be
    // silently overwritten (which would leave a secret nobody was shown).
    const { count } = await tx.oAuthClient.updateMany({
      where: { id, secretHash: existing.secretHash, revokedAt: null },
      data: {
        secretHash: hashSecret(secret),
        secretLast4: lastFour(secret),
        previousSecretHash: previousSecretExpiresAt ? existing.secretHash : null,
        previousSecretExpiresAt,
      },
    });
    if (count !== 1) throw new ApiError("conflict", "The client changed while rotating its secret. Try again.");
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "oauth_client.rotate_secret",
      target: { type: "oauth_client", id },
      orgId: principal.orgId,
      request: meta,
      context: {
        name: existing.name,
        clientId: existing.clientId,
        gracePeriodSeconds: grace,
        previousSecretExpiresAt: previousSecretExpiresAt?.toISOString() ?? null,
      },
    });
    // Token endpoints cache client metadata: evict it everywhere so the new secret works at once.
    await notifyCredentialChange(tx, { kind: "oauth_client", clientId: existing.clientId });
    return {
      id,
      clientId: existing.clientId,
      clientSecret: secret,
      previousSecretExpiresAt: previousSecretExpiresAt?.toISOString() ?? null,
    };
  });
  emitCredentialChange({ kind: "oauth_client", clientId: rotated.clientId });
  return rotated;
}
