import type { Tx } from "../db";
import { personalOrgName, personalOrgSlug } from "../orgs/slug";

/** A user, their personal organization, and their owner membership — every account starts this way. */
export async function createUserWithOrg(
  tx: Tx,
  data: {
    email: string;
    name?: string | null;
    passwordHash?: string | null;
    githubId?: string;
    role?: "user" | "admin";
  },
) {
  const user = await tx.user.create({
    data: {
      email: data.email,
      name: data.name ?? null,
      passwordHash: data.passwordHash ?? null,
      githubId: data.githubId,
      role: data.role ?? "user",
    },
  });
  const org = await tx.organization.create({
    data: { slug: personalOrgSlug(data.email), name: personalOrgName(data.name, data.email), kind: "personal" },
  });
  await tx.membership.create({ data: { orgId: org.id, userId: user.id, role: "owner" } });
  return { user, org };
}
