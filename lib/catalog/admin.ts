import { ApiError } from "../api/errors";
import type { Principal } from "../auth/principal";

/** The catalog is platform configuration: only platform admins read or change it (handlers, actions and lib alike). */
export function assertCatalogAdmin(principal: Principal): void {
  if (principal.platformRole !== "admin") throw new ApiError("forbidden", "Platform admins only.");
}
