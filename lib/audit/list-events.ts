import { prisma } from "../db";

export type AuditEventView = {
  id: string;
  createdAt: string;
  actorType: string;
  actorLabel: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  userAgent: string | null;
};

/** Newest first, keyset-paginated by id. */
export async function listAuditEvents(opts: { before?: bigint; limit?: number } = {}): Promise<AuditEventView[]> {
  const rows = await prisma.auditEvent.findMany({
    where: opts.before ? { id: { lt: opts.before } } : undefined,
    orderBy: { id: "desc" },
    take: Math.min(opts.limit ?? 100, 500),
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    createdAt: r.createdAt.toISOString(),
    actorType: r.actorType,
    actorLabel: r.actorLabel,
    action: r.action,
    targetType: r.targetType,
    targetId: r.targetId,
    ip: r.ip,
    userAgent: r.userAgent,
  }));
}
