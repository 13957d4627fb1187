import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { generateSecret, hashSecret, lastFour, PREFIXES } from "../credentials/format";
import { prisma } from "../db";
import type { CreateTokenInput } from "../schemas/tokens";

export async function createToken(principal: Principal, input: CreateTokenInput, meta: RequestMeta) {
  const secret = generateSecret(PREFIXES.managementToken);
  const row = await prisma.$transaction(async (tx) => {
    const t = await tx.managementToken.create({
      data: {
        orgId: principal.orgId,
        userId: principal.userId,
        name: input.name,
        hash: hashSecret(secret),
        last4: lastFour(secret),
      },
    });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "token.create",
      target: { type: "management_token", id: t.id },
      orgId: principal.orgId,
      request: meta,
      context: { name: t.name },
    });
    return t;
  });
  return { id: row.id, token: secret, name: row.name, createdAt: row.createdAt.toISOString() };
}

export async function listTokens(principal: Principal) {
  const rows = await prisma.managementToken.findMany({
    where: { orgId: principal.orgId, userId: principal.userId },
    orderBy: { createdAt: "desc" },
  });
  return rows.map((t) => ({
    id: t.id,
    name: t.name,
    last4: t.last4,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  }));
}
