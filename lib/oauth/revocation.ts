// Revocations the data plane must honour for JWT access tokens until they
// expire: a grant (user revoked an app, refresh-token reuse), a client, or a
// single token (jti). Written in the caller's transaction with a NOTIFY; the
// caller emits the in-process event after commit.
import type { Tx } from "../db";
import { notifyCredentialChange, type CredentialChange } from "../access/events";

export type RevocationKind = "grant" | "client" | "jti";

/** Longest access-token lifetime: a revocation row is useless after that. */
export const MAX_ACCESS_TOKEN_TTL_SECONDS = 3600;

export async function recordRevocation(
  tx: Tx,
  kind: RevocationKind,
  value: string,
  ttlSeconds = MAX_ACCESS_TOKEN_TTL_SECONDS,
): Promise<CredentialChange> {
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await tx.oAuthRevocation.upsert({
    where: { kind_value: { kind, value } },
    create: { kind, value, expiresAt },
    update: { expiresAt },
  });
  const change: CredentialChange = {
    kind: "oauth_revocation",
    revocation: kind,
    value,
    expiresAt: expiresAt.getTime(),
  };
  await notifyCredentialChange(tx, change);
  return change;
}

/** Everything issued to a client stops: its JWTs via the denylist, its grants and refresh tokens in storage. */
export async function revokeClientTokens(tx: Tx, clientId: string): Promise<CredentialChange> {
  await tx.oidcPayload.deleteMany({ where: { clientId } });
  return recordRevocation(tx, "client", clientId);
}
