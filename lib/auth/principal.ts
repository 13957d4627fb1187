// Who is acting, in which organization, with which role — the same shape
// whether they came with a session cookie or a management token.
import { ApiError } from "../api/errors";
import type { Actor } from "../audit/record";
import type { OrgRole } from "./permissions";

export type Principal = {
  userId: string;
  email: string;
  platformRole: "user" | "admin";
  orgId: string;
  orgSlug: string;
  orgRole: OrgRole;
  via: "session" | "token";
  tokenId?: string;
};

export function actorOf(p: Principal): Actor {
  return p.via === "token" && p.tokenId
    ? { type: "token", id: p.tokenId, userId: p.userId, label: p.email }
    : { type: "user", id: p.userId, label: p.email };
}

/**
 * Platform configuration (the API catalog, plans, organization policies,
 * signing keys) is for platform admins only: route handlers and the lib
 * functions behind them both check, so a check forgotten in one layer is no hole.
 */
export function assertPlatformAdmin(principal: Principal): void {
  if (principal.platformRole !== "admin") throw new ApiError("forbidden", "Platform admins only.");
}
