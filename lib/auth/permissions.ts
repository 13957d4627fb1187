// Permissions are data (DESIGN.md §3.6): a const list and a role → permissions map.
export const PERMISSIONS = [
  "keys:read",
  "keys:write",
  "clients:read",
  "clients:write",
  "tokens:write",
  "org:manage",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ORG_ROLES = ["owner", "admin", "developer", "viewer"] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

export const ROLE_PERMISSIONS: Record<OrgRole, readonly Permission[]> = {
  owner: PERMISSIONS,
  admin: ["keys:read", "keys:write", "clients:read", "clients:write", "tokens:write", "org:manage"],
  developer: ["keys:read", "keys:write", "clients:read", "clients:write", "tokens:write"],
  viewer: ["keys:read", "clients:read"],
};

export function can(role: OrgRole, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
