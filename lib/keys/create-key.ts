import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { apiKeyPrefix, generateSecret, hashSecret, lastFour } from "../credentials/format";
import { prisma } from "../db";
import type { CreateKeyInput, CreatedKey } from "../schemas/keys";
import { assertScopesExist } from "../scopes/list-scopes";

export async function createKey(principal: Principal, input: CreateKeyInput, meta: RequestMeta): Promise<CreatedKey> {
  const scopes = [...new Set(input.scopes)];
  const prefix = apiKeyPrefix(input.environment);
  const secret = generateSecret(prefix);
  const key = await prisma.$transaction(async (tx) => {
    await assertScopesExist(tx, scopes);
    const row = await tx.apiKey.create({
      data: {
        orgId: principal.orgId,
        createdById: principal.userId,
        name: input.name,
        hash: hashSecret(secret),
        prefix,
        last4: lastFour(secret),
        scopes,
        environment: input.environment,
        expiresAt: input.expiresAt ?? null,
      },
    });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "key.create",
      target: { type: "api_key", id: row.id },
      orgId: principal.orgId,
      request: meta,
      context: { name: row.name, scopes, environment: row.environment },
    });
    return row;
  });
  return {
    id: key.id,
    key: secret,
    prefix: key.prefix,
    name: key.name,
    scopes: key.scopes,
    environment: key.environment,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt ? key.expiresAt.toISOString() : null,
  };
}
