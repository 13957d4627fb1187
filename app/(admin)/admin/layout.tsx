import Link from "next/link";
import type { ReactNode } from "react";
import { PortalNav } from "@/components/portal-nav";
import { requireAdmin } from "@/lib/auth/session";

export default async function AdminLayout({ children }: { children: ReactNode }) {
  const principal = await requireAdmin();
  return (
    <>
      <PortalNav orgSlug={principal.orgSlug} orgName="Administration" email={principal.email} isAdmin />
      <main className="mx-auto max-w-6xl px-6 py-8">
        <nav aria-label="Administration" className="mb-6 flex gap-4 border-b border-slate-200 pb-2 text-sm">
          <Link href="/admin/audit" className="text-slate-700 hover:text-indigo-700">
            Audit trail
          </Link>
          <Link href="/admin/apis" className="text-slate-700 hover:text-indigo-700">
            APIs
          </Link>
          <Link href="/admin/plans" className="text-slate-700 hover:text-indigo-700">
            Plans
          </Link>
          <Link href="/admin/orgs" className="text-slate-700 hover:text-indigo-700">
            Organizations
          </Link>
        </nav>
        {children}
      </main>
    </>
  );
}
