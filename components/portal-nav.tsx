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
  // `match` is the path prefix that marks a link current (Admin spans every /admin page).
  const links = [
    { href: `/${orgSlug}/keys`, label: "API keys", match: `/${orgSlug}/keys` },
    { href: `/${orgSlug}/oauth-clients`, label: "OAuth clients", match: `/${orgSlug}/oauth-clients` },
    { href: `/${orgSlug}/simulator`, label: "Simulator", match: `/${orgSlug}/simulator` },
    { href: `/${orgSlug}/settings`, label: "Settings", match: `/${orgSlug}/settings` },
    ...(isAdmin ? [{ href: "/admin/audit", label: "Admin", match: "/admin" }] : []),
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
              aria-current={path.startsWith(l.match) ? "page" : undefined}
              className={`rounded px-3 py-1.5 text-sm ${path.startsWith(l.match) ? "bg-indigo-50 text-indigo-800" : "text-slate-700 hover:bg-slate-100"}`}
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
