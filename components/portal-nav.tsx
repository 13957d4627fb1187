"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";

export function PortalNav({
  orgSlug,
  orgName,
  email,
  isAdmin,
}: {
  orgSlug: string;
  orgName: string;
  email: string;
  isAdmin: boolean;
}) {
  const path = usePathname();
  const links = [
    { href: `/${orgSlug}/keys`, label: "API keys" },
    { href: `/${orgSlug}/oauth-clients`, label: "OAuth clients" },
    { href: `/${orgSlug}/settings`, label: "Settings" },
    ...(isAdmin ? [{ href: "/admin/audit", label: "Admin" }] : []),
  ];
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex max-w-6xl items-center gap-6 px-6 py-3">
        <Link href="/portal" className="font-semibold text-indigo-700">
          Gatehouse
        </Link>
        <span className="text-sm text-slate-500">{orgName}</span>
        <nav aria-label="Main" className="flex gap-1">
          {links.map((l) => (
            <Link
              key={l.href}
              href={l.href}
              aria-current={path.startsWith(l.href) ? "page" : undefined}
              className={`rounded px-3 py-1.5 text-sm ${path.startsWith(l.href) ? "bg-indigo-50 text-indigo-800" : "text-slate-700 hover:bg-slate-100"}`}
            >
              {l.label}
            </Link>
          ))}
        </nav>
        <div className="ml-auto flex items-center gap-3 text-sm">
          <span className="text-slate-600">{email}</span>
          <button className="text-slate-700 underline" onClick={() => signOut({ callbackUrl: "/sign-in" })}>
            Sign out
          </button>
        </div>
      </div>
    </header>
  );
}
