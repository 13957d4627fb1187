import type { ReactNode } from "react";
import { PortalNav } from "@/components/portal-nav";
import { requireAdmin } from "@/lib/auth/session";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const principal = await requireAdmin();
  return (
    <>
      <PortalNav orgSlug={principal.orgSlug} orgName="Administration" email={principal.email} isAdmin />
      <main className="mx-auto max-w-6xl px-6 py-8">{children}</main>
    </>
  );
}
