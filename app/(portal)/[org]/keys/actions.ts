"use server";

import { ApiError } from "@/lib/api/errors";
import { can } from "@/lib/auth/permissions";
import { requestMeta, requireUser } from "@/lib/auth/session";
import { createKey } from "@/lib/keys/create-key";
import { revokeKey } from "@/lib/keys/revoke-key";
import { createKeySchema } from "@/lib/schemas/keys";
import type { ActionResult } from "@/lib/api/action-result";
import { actionError } from "@/lib/api/action-result";

export async function createKeyAction(
  orgSlug: string,
  input: unknown,
): Promise<ActionResult<{ id: string; key: string }>> {
  try {
    const principal = await requireUser(orgSlug);
    if (!can(principal.orgRole, "keys:write")) throw new ApiError("forbidden", "Your role cannot create keys.");
    const parsed = createKeySchema.safeParse(input);
    if (!parsed.success) throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid input.");
    const created = await createKey(principal, parsed.data, await requestMeta());
    return { ok: true, data: { id: created.id, key: created.key } };
  } catch (e) {
    return actionError(e);
  }
}

export async function revokeKeyAction(orgSlug: string, keyId: string): Promise<ActionResult<{ id: string }>> {
  try {
    const principal = await requireUser(orgSlug);
    if (!can(principal.orgRole, "keys:write")) throw new ApiError("forbidden", "Your role cannot revoke keys.");
    const key = await revokeKey(principal, keyId, await requestMeta());
    return { ok: true, data: { id: key.id } };
  } catch (e) {
    return actionError(e);
  }
}
