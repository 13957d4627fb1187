import { ApiError } from "@/lib/api/errors";
import { json, withAuth } from "@/lib/api/handler";
import { rotateSigningKeys } from "@/lib/oauth/rotate-signing-key";

// POST /api/v1/admin/signing-keys/rotate — new token-signing key; the previous one verifies until its tokens expire
export const POST = withAuth(async ({ principal, meta }) => {
  if (principal.platformRole !== "admin") throw new ApiError("forbidden", "Platform admins only.");
  return json(await rotateSigningKeys(principal, meta));
});
