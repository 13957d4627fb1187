// The apps a user has authorized (oidc-provider Grants) and revoking them.
import { emitCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { prisma } from "../db";
import { recordRevocation } from "./revocation";

type GrantPayload = {
  clientId?: string;
  iat?: number;
  resources?: Record<string, string>;
  openid?: { scope?: string };
};

export type AuthorizedApp = {
  grantId: string;
  clientId: string;
  clientName: string;
  orgName: string;
  scopes: string[];
  grantedAt: string | null;
};

export async function listAuthorizedApps(userId: string): Promise<AuthorizedApp[]> {
  const rows = await prisma.oidcPayload.findMany({
    where: { type: "Grant", accountId: userId },
    orderBy: { id: "asc" },
  });
  const live = rows.filter((r) => !r.expiresAt || r.expiresAt.getTime() > Date.now());
  const clientIds = [...new Set(live.map((r) => r.clientId).filter((c): c is string => Boolean(c)))];
  const clients = await prisma.oAuthClient.findMany({
    where: { clientId: { in: clientIds }, revokedAt: null },
    include: { org: { select: { name: true } } },
  });
  const byId = new Map(clients.map((c) => [c.clientId, c]));
  return live.flatMap((r) => {
    const client = r.clientId ? byId.get(r.clientId) : undefined;
    if (!client) return [];
    const p = r.payload as GrantPayload;
    const scopes = new Set<string>();
    for (const s of Object.values(p.resources ?? {})) s.split(" ").forEach((x) => x && scopes.add(x));
    (p.openid?.scope ?? "").split(" ").forEach((x) => x && scopes.add(x));
    return [
      {
        grantId: r.id,
        clientId: client.clientId,
        clientName: client.name,
        orgName: client.org.name,
        scopes: [...scopes],
        grantedAt: p.iat ? new Date(p.iat * 1000).toISOString() : null,
      },
    ];
  });
}

/** Revoke an app's access: the grant, its codes and refresh tokens go, and its JWTs are denylisted. */
export async function revokeAuthorizedApp(userId: string, grantId: string, meta: RequestMeta): Promise<void> {
  const change = await prisma.$transaction(async (tx) => {
    const grant = await tx.oidcPayload.findFirst({ where: { type: "Grant", id: grantId, accountId: userId } });
    if (!grant) throw new ApiError("not_found", "No such authorized app.");
    await tx.oidcPayload.deleteMany({ where: { OR: [{ grantId }, { type: "Grant", id: grantId }] } });
    await recordAudit(tx, {
      actor: { type: "user", id: userId },
      action: "oauth_grant.revoke",
      target: { type: "oauth_grant", id: grantId },
      request: meta,
      context: { clientId: grant.clientId },
    });
    return recordRevocation(tx, "grant", grantId);
  });
  emitCredentialChange(change);
}
