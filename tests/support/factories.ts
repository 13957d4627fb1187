// Factories: every test seeds its own world (a unique user and org), so tests
// never depend on each other or on earlier runs.
import { randomBytes } from "node:crypto";
import { principalForUser } from "../../lib/auth/resolve-principal";
import type { Principal } from "../../lib/auth/principal";
import { ensureUser } from "../../lib/users/sign-up";

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@example.test`;
}

export const TEST_PASSWORD = "correct horse battery staple";

export async function createPrincipal(opts: { role?: "user" | "admin"; email?: string } = {}): Promise<Principal> {
  const { userId } = await ensureUser({ email: opts.email ?? uniqueEmail(), password: TEST_PASSWORD, role: opts.role });
  const principal = await principalForUser(userId);
  if (!principal) throw new Error("factory: principal not found");
  return principal;
}

export const meta = { ip: "203.0.113.7", userAgent: "vitest" };
