import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { Prisma } from "../generated/prisma/client";
import { mergePolicy, policyFieldsIn } from "../policy/patch";
import type { UpdateKeyInput } from "../schemas/policy";
import { keyViewSelect, toKeyView } from "./key-view";

/**
 * Change a key's name, policy, remaining uses or refill. A revoked key is final (409).
 * The change evicts the key from every data-plane cache at once, like a revocation.
 */
export async function updateKey(principal: Principal, id: string, input: UpdateKeyInput, meta: RequestMeta) {
  const changed = (Object.keys(input) as (keyof UpdateKeyInput)[]).filter((k) => input[k] !== undefined);
  const { row, hash } = await prisma.$transaction(async (tx) => {
    const existing = await tx.apiKey.findFirst({
      where: { id, orgId: principal.orgId },
      select: { hash: true, revokedAt: true, policy: true },
    });
    if (!existing) throw new ApiError("not_found", "No such key.");
    if (existing.revokedAt) throw new ApiError("conflict", "This key is revoked; it can no longer be changed.");

    const data: Prisma.ApiKeyUpdateInput = {};
    if (input.name !== undefined) data.name = input.name;
    if (policyFieldsIn(input).length) {
      data.policy = mergePolicy(existing.policy, input) as Prisma.InputJsonValue;
    }
    if (input.remaining !== undefined) data.remaining = input.remaining;
    if (input.refill !== undefined) data.refill = input.refill === null ? Prisma.DbNull : input.refill;
    // A new cap or refill starts its period now: the next refill is at the next day/month start.
    const setsCap = (input.remaining !== undefined && input.remaining !== null) || Boolean(input.refill);
    if (setsCap) data.refilledAt = new Date();

    const updated = await tx.apiKey.update({ where: { id }, data, select: keyViewSelect });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "key.update",
      target: { type: "api_key", id },
      orgId: principal.orgId,
      request: meta,
      context: { name: updated.name, changed },
    });
    await notifyCredentialChange(tx, { kind: "api_key", hash: existing.hash });
    return { row: updated, hash: existing.hash };
  });
  emitCredentialChange({ kind: "api_key", hash });
  return toKeyView(row);
}
