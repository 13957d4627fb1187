import { ApiError } from "../api/errors";
import type { Principal } from "../auth/principal";

/**
 * Plans and organization policies are platform configuration: only platform
 * admins read or change them (route handlers, pages and these lib functions alike,
 * so a forgotten check in one layer is not a hole).
 */
export function assertPlatformAdmin(principal: Principal): void {
  if (principal.platformRole !== "admin") throw new ApiError("forbidden", "Platform admins only.");
}
