import Link from "next/link";
import { getSessionUserId } from "@/lib/auth/session";

export default async function Home() {
  const signedIn = Boolean(await getSessionUserId());
  return (
    <main className="mx-auto max-w-3xl px-6 py-20">
      <h1 className="text-4xl font-bold tracking-tight">Gatehouse</h1>
      <p className="mt-4 text-lg text-slate-700">
        Self-hosted API access management. For every call it answers: who is calling, may they do this, right now, from
        there, this often — and it remembers.
      </p>
      <ul className="mt-6 list-disc space-y-1 pl-6 text-slate-700">
        <li>API keys with least-privilege scopes, shown once, stored as hashes, revoked instantly.</li>
        <li>A lean verify API and a forward-auth endpoint for NGINX, Envoy and Traefik.</li>
        <li>An audit trail of every management action.</li>
      </ul>
      <div className="mt-8 flex gap-3">
        {signedIn ? (
          <Link href="/portal" className="rounded-md bg-indigo-600 px-4 py-2 text-white">
            Open the portal
          </Link>
        ) : (
          <>
            <Link href="/sign-up" className="rounded-md bg-indigo-600 px-4 py-2 text-white">
              Create an account
            </Link>
            <Link href="/sign-in" className="rounded-md border border-slate-300 px-4 py-2">
              Sign in
            </Link>
          </>
        )}
        <a href="/api/v1/openapi.json" className="rounded-md px-4 py-2 text-indigo-700 underline">
          API reference (OpenAPI)
        </a>
      </div>
    </main>
  );
}
