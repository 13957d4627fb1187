// Sign-up: a user, their personal organization (owner), and the audit event,
// in one transaction. An email that already exists gets the same answer and
// costs the same time, so sign-up cannot be used to enumerate accounts.
import { recordAudit, type RequestMeta } from "../audit/record";
import { prisma } from "../db";
import type { SignUpInput } from "../schemas/auth";
import { createUserWithOrg } from "./create-user-with-org";
import { hashPassword } from "./password";

export async function signUpUser(input: SignUpInput, meta: RequestMeta): Promise<{ created: boolean }> {
  const email = input.email.toLowerCase();
  const passwordHash = await hashPassword(input.password);
  try {
    return await prisma.$transaction(async (tx) => {
      const existing = await tx.user.findUnique({ where: { email }, select: { id: true } });
      if (existing) return { created: false };
      const { user, org } = await createUserWithOrg(tx, { email, name: input.name, passwordHash });
      await recordAudit(tx, {
        actor: { type: "user", id: user.id, label: email },
        action: "user.signup",
        target: { type: "user", id: user.id },
        orgId: org.id,
        request: meta,
      });
      return { created: true };
    });
  } catch (e) {
    // Two sign-ups racing for one email: the loser sees a unique violation.
    if ((e as { code?: string }).code === "P2002") return { created: false };
    throw e;
  }
}

/** A user and their personal org, created outside a request (admin bootstrap, seeds, tests). */
export async function ensureUser(opts: {
  email: string;
  password: string;
  name?: string;
  role?: "user" | "admin";
}): Promise<{ userId: string; orgId: string; orgSlug: string; created: boolean }> {
  const email = opts.email.toLowerCase();
  const existing = await prisma.user.findUnique({
    where: { email },
    include: { memberships: { include: { org: true }, orderBy: { createdAt: "asc" }, take: 1 } },
  });
  if (existing) {
    if (opts.role && existing.role !== opts.role) {
      await prisma.user.update({ where: { id: existing.id }, data: { role: opts.role } });
    }
    const m = existing.memberships[0];
    return { userId: existing.id, orgId: m?.orgId ?? "", orgSlug: m?.org.slug ?? "", created: false };
  }
  const passwordHash = await hashPassword(opts.password);
  return prisma.$transaction(async (tx) => {
    const { user, org } = await createUserWithOrg(tx, { email, name: opts.name, passwordHash, role: opts.role });
    await recordAudit(tx, {
      actor: { type: "system", label: "bootstrap" },
      action: opts.role === "admin" ? "user.bootstrap_admin" : "user.signup",
      target: { type: "user", id: user.id },
      orgId: org.id,
    });
    return { userId: user.id, orgId: org.id, orgSlug: org.slug, created: true };
  });
}
