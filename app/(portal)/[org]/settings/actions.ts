"use server";

import { actionError, type ActionResult } from "@/lib/api/action-result";
import { ApiError } from "@/lib/api/errors";
import { can } from "@/lib/auth/permissions";
import { requestMeta, requireUser } from "@/lib/auth/session";
import { revokeAuthorizedApp } from "@/lib/oauth/grants";
import { createTokenSchema } from "@/lib/schemas/tokens";
import { createToken } from "@/lib/tokens/create-token";

export async function createTokenAction(
  orgSlug: string,
  input: unknown,
): Promise<ActionResult<{ id: string; token: string }>> {
  try {
    const principal = await requireUser(orgSlug);
    if (!can(principal.orgRole, "tokens:write")) throw new ApiError("forbidden", "Your role cannot create tokens.");
    const parsed = createTokenSchema.safeParse(input);
    if (!parsed.success) throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid input.");
    const created = await createToken(principal, parsed.data, await requestMeta());
    return { ok: true, data: { id: created.id, token: created.token } };
  } catch (e) {
    return actionError(e);
  }
}

export async function revokeAuthorizedAppAction(
  orgSlug: string,
  grantId: string,
): Promise<ActionResult<{ grantId: string }>> {
  try {
    const principal = await requireUser(orgSlug);
    await revokeAuthorizedApp(principal.userId, grantId, await requestMeta());
    return { ok: true, data: { grantId } };
  } catch (e) {
    return actionError(e);
  }
}
