"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { AuthorizedApp } from "@/lib/oauth/grants";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";

type Result = { ok: true; data: { grantId: string } } | { ok: false; error: { message: string } };

export function AuthorizedApps({
  apps,
  revoke,
}: {
  apps: AuthorizedApp[];
  revoke: (grantId: string) => Promise<Result>;
}) {
  const router = useRouter();
  const [confirming, setConfirming] = useState<AuthorizedApp | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function doRevoke() {
    if (!confirming) return;
    setPending(true);
    const res = await revoke(confirming.grantId);
    setPending(false);
    if (!res.ok) return setError(res.error.message);
    setConfirming(null);
    router.refresh();
  }

  return (
    <section className="space-y-4">
      <div>
        <h2 className="text-lg font-semibold">Authorized apps</h2>
        <p className="text-sm text-slate-600">Applications you allowed to call the API on your behalf.</p>
      </div>
      <ul
        aria-label="Authorized apps"
        className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm"
      >
        {apps.length === 0 ? <li className="p-4 text-slate-600">No apps authorized.</li> : null}
        {apps.map((a) => (
          <li key={a.grantId} className="flex items-center justify-between gap-4 p-3">
            <div>
              <div className="font-medium">{a.clientName}</div>
              <div className="text-xs text-slate-500">
                by {a.orgName} · {a.scopes.length ? a.scopes.join(" ") : "no API scopes"}
                {a.grantedAt ? ` · since ${new Date(a.grantedAt).toLocaleString()}` : ""}
              </div>
            </div>
            <Button variant="ghost" aria-label={`Revoke ${a.clientName}`} onClick={() => setConfirming(a)}>
              Revoke
            </Button>
          </li>
        ))}
      </ul>
      <ConfirmDialog
        open={confirming !== null}
        title="Revoke this app?"
        confirmLabel="Revoke access"
        pendingLabel="Revoking…"
        pending={pending}
        error={error}
        onConfirm={doRevoke}
        onCancel={() => setConfirming(null)}
      >
        <strong>{confirming?.clientName}</strong> loses access at once: its tokens stop working everywhere.
      </ConfirmDialog>
    </section>
  );
}
