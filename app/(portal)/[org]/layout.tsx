import type { ReactNode } from "react";
import { PortalNav } from "@/components/portal-nav";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";

export default async function OrgLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ org: string }>;
}) {
  const { org } = await params;
  const principal = await requireUser(org);
  const organization = await prisma.organization.findUniqueOrThrow({
    where: { id: principal.orgId },
    select: { name: true },
  });
  return (
    <>
      <PortalNav
        orgSlug={principal.orgSlug}
        orgName={organization.name}
        email={principal.email}
        isAdmin={principal.platformRole === "admin"}
      />
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </>
  );
}
