import type { Tx } from "../db";

/** The starter catalog (the seed's examples). Idempotent. */
export const DEFAULT_SCOPES = [
  { name: "read:profile", description: "Read user profiles" },
  { name: "update:profile", description: "Update user profiles" },
  { name: "delete:user", description: "Delete users" },
  { name: "view:logs", description: "View access logs" },
] as const;

export async function seedScopes(db: Tx): Promise<void> {
  await db.scope.createMany({ data: [...DEFAULT_SCOPES], skipDuplicates: true });
}
