import { json, withAuth } from "@/lib/api/handler";
import { assertPlatformAdmin } from "@/lib/auth/principal";
import { rotateSigningKeys } from "@/lib/oauth/rotate-signing-key";

// POST /api/v1/admin/signing-keys/rotate — new token-signing key; the previous one verifies until its tokens expire
export const POST = withAuth(async ({ principal, meta }) => {
  assertPlatformAdmin(principal);
  return json(await rotateSigningKeys(principal, meta));
});
