"use server";

import { ApiError } from "@/lib/api/errors";
import type { ActionResult } from "@/lib/api/action-result";
import { actionError } from "@/lib/api/action-result";
import { can } from "@/lib/auth/permissions";
import { requestMeta, requireUser } from "@/lib/auth/session";
import { createClient } from "@/lib/oauth-clients/create-client";
import { revokeClient } from "@/lib/oauth-clients/revoke-client";
import { rotateSecret } from "@/lib/oauth-clients/rotate-secret";
import { createOAuthClientSchema, rotateSecretSchema } from "@/lib/schemas/oauth-clients";

export async function createClientAction(
  orgSlug: string,
  input: unknown,
): Promise<ActionResult<{ id: string; clientId: string; clientSecret: string | null }>> {
  try {
    const principal = await requireUser(orgSlug);
    if (!can(principal.orgRole, "clients:write"))
      throw new ApiError("forbidden", "Your role cannot create OAuth clients.");
    const parsed = createOAuthClientSchema.safeParse(input);
    if (!parsed.success) throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid input.");
    const created = await createClient(principal, parsed.data, await requestMeta());
    return {
      ok: true,
      data: { id: created.id, clientId: created.clientId, clientSecret: created.clientSecret ?? null },
    };
  } catch (e) {
    return actionError(e);
  }
}

export async function rotateSecretAction(
  orgSlug: string,
  clientId: string,
  input: unknown,
): Promise<ActionResult<{ clientSecret: string; previousSecretExpiresAt: string | null }>> {
  try {
    const principal = await requireUser(orgSlug);
    if (!can(principal.orgRole, "clients:write")) throw new ApiError("forbidden", "Your role cannot rotate secrets.");
    const parsed = rotateSecretSchema.safeParse(input);
    if (!parsed.success) throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid input.");
    const rotated = await rotateSecret(principal, clientId, parsed.data, await requestMeta());
    return {
      ok: true,
      data: { clientSecret: rotated.clientSecret, previousSecretExpiresAt: rotated.previousSecretExpiresAt },
    };
  } catch (e) {
    return actionError(e);
  }
}

export async function revokeClientAction(orgSlug: string, clientId: string): Promise<ActionResult<{ id: string }>> {
  try {
    const principal = await requireUser(orgSlug);
    if (!can(principal.orgRole, "clients:write"))
      throw new ApiError("forbidden", "Your role cannot revoke OAuth clients.");
    const client = await revokeClient(principal, clientId, await requestMeta());
    return { ok: true, data: { id: client.id } };
  } catch (e) {
    return actionError(e);
  }
}
