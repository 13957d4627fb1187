import type { Tx } from "../db";
import { ApiError } from "../api/errors";

export async function listScopes(db: Tx) {
  return db.scope.findMany({ orderBy: { name: "asc" }, select: { name: true, description: true } });
}

/** Least privilege starts with a closed catalog: every requested scope must exist. */
export async function assertScopesExist(db: Tx, scopes: readonly string[]): Promise<void> {
  if (scopes.length === 0) return;
  const found = await db.scope.findMany({ where: { name: { in: [...scopes] } }, select: { name: true } });
  const known = new Set(found.map((s) => s.name));
  const unknown = scopes.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new ApiError("validation_failed", `Unknown scope${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")}`, {
      details: unknown.map((s) => ({ path: "scopes", message: `Unknown scope ${s}` })),
    });
  }
}
