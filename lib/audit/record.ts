// Audit trail: written with the same transaction client as the change it
// describes, so a change without its event (or the reverse) cannot commit.
// Rows form a hash chain; an advisory lock serialises appends to the chain.
import { createHash } from "node:crypto";
import type { Tx } from "../db";
import type { Prisma } from "../generated/prisma/client";

export const AUDIT_ACTIONS = [
  "user.signup",
  "user.signin",
  "user.signin_failed",
  "user.bootstrap_admin",
  "key.create",
  "key.revoke",
  "key.update",
  "token.create",
  "token.revoke",
  "oauth_client.create",
  "oauth_client.rotate_secret",
  "oauth_client.revoke",
  "oauth_grant.create",
  "oauth_grant.revoke",
  "signing_key.rotate",
  "api.create",
  "api.import",
  "api.delete",
  "plan.create",
  "plan.update",
  "plan.delete",
  "org.update_policy",
  "oauth_client.update_policy",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type Actor =
  | { type: "user"; id: string; label?: string }
  | { type: "token"; id: string; userId: string; label?: string }
  | { type: "system"; label?: string }
  | { type: "anonymous"; label?: string };

export type RequestMeta = { ip?: string | null; userAgent?: string | null };

export type AuditInput = {
  actor: Actor;
  action: AuditAction;
  target?: { type: string; id: string };
  orgId?: string | null;
  request?: RequestMeta;
  context?: Record<string, unknown>;
};

const CHAIN_LOCK = 0x6761_7465; // "gate"
export const GENESIS_HASH = "0".repeat(64);

type Hashable = {
  createdAt: Date;
  actorType: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  orgId: string | null;
  ip: string | null;
  userAgent: string | null;
  context: unknown;
};

/** JSON with sorted keys: jsonb reorders keys, so the hash must not depend on order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function auditHash(prevHash: string, e: Hashable): string {
  const text = JSON.stringify([
    e.createdAt.toISOString(),
    e.actorType,
    e.actorId,
    e.action,
    e.targetType,
    e.targetId,
    e.orgId,
    e.ip,
    e.userAgent,
    canonical(e.context),
  ]);
  return createHash("sha256").update(prevHash).update(text).digest("hex");
}

export async function recordAudit(tx: Tx, input: AuditInput): Promise<void> {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${CHAIN_LOCK})`;
  const last = await tx.auditEvent.findFirst({ orderBy: { id: "desc" }, select: { hash: true } });
  const prevHash = last?.hash ?? GENESIS_HASH;
  const actorId =
    input.actor.type === "user" ? input.actor.id : input.actor.type === "token" ? input.actor.userId : null;
  const context = {
    ...(input.context ?? {}),
    ...(input.actor.type === "token" ? { viaToken: input.actor.id } : {}),
  };
  const row: Hashable = {
    createdAt: new Date(),
    actorType: input.actor.type,
    actorId,
    action: input.action,
    targetType: input.target?.type ?? null,
    targetId: input.target?.id ?? null,
    orgId: input.orgId ?? null,
    ip: input.request?.ip ?? null,
    userAgent: input.request?.userAgent?.slice(0, 512) ?? null,
    context,
  };
  await tx.auditEvent.create({
    data: {
      ...row,
      actorLabel: input.actor.label ?? null,
      context: context as Prisma.InputJsonValue,
      prevHash,
      hash: auditHash(prevHash, row),
    },
  });
}

/** Recompute the chain; returns the id of the first broken row, or null when intact. */
export async function verifyAuditChain(tx: Tx): Promise<bigint | null> {
  const rows = await tx.auditEvent.findMany({ orderBy: { id: "asc" } });
  let prev = GENESIS_HASH;
  for (const r of rows) {
    if (r.prevHash !== prev || auditHash(prev, r) !== r.hash) return r.id;
    prev = r.hash;
  }
  return null;
}
