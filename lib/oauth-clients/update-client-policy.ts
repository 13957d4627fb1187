import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { Prisma } from "../generated/prisma/client";
import { mergePolicy, policyFieldsIn, viewPolicy } from "../policy/patch";
import type { OAuthClientWithPolicyView, UpdateClientPolicyInput } from "../schemas/plans";
import { clientViewSelect, toClientView } from "./client-view";

/**
 * Set an OAuth client's own policy (IP allowlist, time windows, rate limits,
 * quota) for the calls made with its access tokens. Someone else's client is
 * a 404; a revoked one is final (409). Every data plane drops the client's
 * compiled policy (`oauth_client` event), so the next call sees the change.
 */
export async function updateClientPolicy(
  principal: Principal,
  id: string,
  input: UpdateClientPolicyInput,
  meta: RequestMeta,
): Promise<OAuthClientWithPolicyView> {
  const fields = policyFieldsIn(input);
  const { view, clientId } = await prisma.$transaction(async (tx) => {
    // Tenancy in the WHERE clause; the row lock keeps concurrent patches of different fields.
    const locked = await tx.$queryRaw<{ policy: unknown; client_id: string; name: string; revoked_at: Date | null }[]>`
      SELECT policy, client_id, name, revoked_at FROM oauth_clients
      WHERE id = ${id} AND org_id = ${principal.orgId} FOR UPDATE`;
    const existing = locked[0];
    if (!existing) throw new ApiError("not_found", "No such OAuth client.");
    if (existing.revoked_at) throw new ApiError("conflict", "This client is revoked; it can no longer be changed.");

    const policy = mergePolicy(existing.policy, input);
    const row = await tx.oAuthClient.update({
      where: { id },
      data: { policy: policy as Prisma.InputJsonValue },
      select: { ...clientViewSelect, policy: true },
    });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "oauth_client.update_policy",
      target: { type: "oauth_client", id },
      orgId: principal.orgId,
      request: meta,
      context: {
        name: existing.name,
        clientId: existing.client_id,
        changed: fields,
        policy: { before: existing.policy, after: policy },
      },
    });
    await notifyCredentialChange(tx, { kind: "oauth_client", clientId: existing.client_id });
    return { view: { ...toClientView(row), policy: viewPolicy(row.policy) }, clientId: existing.client_id };
  });
  emitCredentialChange({ kind: "oauth_client", clientId });
  return view;
}
