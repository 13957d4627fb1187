// Build a Principal from a management token or from a session user id.
// No Next imports: REST handlers and tests both use it.
import { isWellFormed, hashSecret, PREFIXES } from "../credentials/format";
import { prisma } from "../db";
import type { Principal } from "./principal";

export async function principalFromToken(token: string): Promise<Principal | null> {
  if (!isWellFormed(token, PREFIXES.managementToken)) return null;
  const row = await prisma.managementToken.findUnique({
    where: { hash: hashSecret(token) },
    include: { user: true, org: { include: { memberships: true } } },
  });
  if (!row || row.revokedAt || row.user.status !== "active") return null;
  const membership = row.org.memberships.find((m) => m.userId === row.userId);
  if (!membership) return null;
  // Throttled: at most one lastUsedAt write per token per minute.
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await prisma.managementToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } });
  }
  return {
    userId: row.userId,
    email: row.user.email,
    platformRole: row.user.role,
    orgId: row.orgId,
    orgSlug: row.org.slug,
    orgRole: membership.role,
    via: "token",
    tokenId: row.id,
  };
}

/** The session user's principal in `orgSlug` (or their first org); null if not a member or not active. */
export async function principalForUser(userId: string, orgSlug?: string | null): Promise<Principal | null> {
  const user = await prisma.user.findUnique({
    where: { id: userId },
    include: { memberships: { include: { org: true }, orderBy: { createdAt: "asc" } } },
  });
  if (!user || user.status !== "active") return null;
  const m = orgSlug ? user.memberships.find((x) => x.org.slug === orgSlug || x.orgId === orgSlug) : user.memberships[0];
  if (!m) return null;
  return {
    userId: user.id,
    email: user.email,
    platformRole: user.role,
    orgId: m.orgId,
    orgSlug: m.org.slug,
    orgRole: m.role,
    via: "session",
  };
}
