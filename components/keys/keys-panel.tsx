"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { KeyView } from "@/lib/schemas/keys";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorText } from "../ui/field";
import { CreateKeyDialog, type ScopeOption } from "./create-key-dialog";
import { policyBadges } from "./policy-summary";
import { keyQueries } from "./query-keys";

type Result<T> = { ok: true; data: T } | { ok: false; error: { message: string } };

const fmt = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");
const TONE = { active: "green", revoked: "red", expired: "amber" } as const;

export function KeysPanel({
  orgSlug,
  initialKeys,
  scopes,
  canWrite,
  createKey,
  revokeKey,
}: {
  orgSlug: string;
  initialKeys: KeyView[];
  scopes: ScopeOption[];
  canWrite: boolean;
  createKey: (orgSlug: string, input: unknown) => Promise<Result<{ id: string; key: string }>>;
  revokeKey: (orgSlug: string, keyId: string) => Promise<Result<{ id: string }>>;
}) {
  const qc = useQueryClient();
  const keys = useQuery({
    queryKey: keyQueries.list(orgSlug),
    queryFn: async (): Promise<KeyView[]> => {
      const res = await fetch(`/api/v1/keys?org=${encodeURIComponent(orgSlug)}`);
      if (!res.ok) throw new Error("Could not load keys.");
      return ((await res.json()) as { data: KeyView[] }).data;
    },
    initialData: initialKeys,
  });
  const [confirming, setConfirming] = useState<KeyView | null>(null);
  const revoke = useMutation({
    mutationFn: async (id: string) => {
      const res = await revokeKey(orgSlug, id);
      if (!res.ok) throw new Error(res.error.message);
      return res.data;
    },
    onSuccess: () => {
      setConfirming(null);
      return qc.invalidateQueries({ queryKey: keyQueries.list(orgSlug) });
    },
  });

  return (
    <section>
      <div className="mb-4 flex items-center justify-between">
        <h1 className="text-2xl font-semibold">API keys</h1>
        {canWrite ? (
          <CreateKeyDialog
            scopes={scopes}
            onCreate={(input) => createKey(orgSlug, input)}
            onDone={() => void qc.invalidateQueries({ queryKey: keyQueries.list(orgSlug) })}
          />
        ) : null}
      </div>
      {keys.error ? <ErrorText>{keys.error.message}</ErrorText> : null}
      {keys.data.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
          No keys yet. Create one to call your APIs.
        </p>
      ) : (
        <table className="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
          <thead className="bg-slate-50 text-left text-slate-600">
            <tr>
              <th className="px-3 py-2">Name</th>
              <th className="px-3 py-2">Key</th>
              <th className="px-3 py-2">Scopes</th>
              <th className="px-3 py-2">Created</th>
              <th className="px-3 py-2">Last used</th>
              <th className="px-3 py-2">Expires</th>
              <th className="px-3 py-2">Status</th>
              <th className="px-3 py-2">Policy</th>
              <th className="px-3 py-2" />
            </tr>
          </thead>
          <tbody>
            {keys.data.map((k) => (
              <tr key={k.id} className="border-t border-slate-100" data-testid={`key-row-${k.id}`}>
                <td className="px-3 py-2 font-medium">{k.name}</td>
                <td className="px-3 py-2 font-mono text-xs">{k.display}</td>
                <td className="px-3 py-2">
                  {k.scopes.length
                    ? k.scopes.map((s) => (
                        <code key={s} className="mr-1 text-xs">
                          {s}
                        </code>
                      ))
                    : "—"}
                </td>
                <td className="px-3 py-2">{fmt(k.createdAt)}</td>
                <td className="px-3 py-2">{fmt(k.lastUsedAt)}</td>
                <td className="px-3 py-2">{fmt(k.expiresAt)}</td>
                <td className="px-3 py-2">
                  <Badge tone={TONE[k.status]}>{k.status}</Badge>
                </td>
                <td className="px-3 py-2" data-testid="key-policy">
                  <div className="flex max-w-xs flex-wrap gap-1">
                    {policyBadges(k).map((b) => (
                      <Badge key={b}>{b}</Badge>
                    ))}
                  </div>
                </td>
                <td className="px-3 py-2 text-right whitespace-nowrap">
                  <Link
                    href={`/${orgSlug}/keys/${k.id}`}
                    aria-label={`${canWrite && k.status === "active" ? "Edit policy of" : "View policy of"} ${k.name}`}
                    className="rounded-md px-3 py-2 text-sm font-medium text-indigo-700 hover:bg-slate-100"
                  >
                    {canWrite && k.status === "active" ? "Edit policy" : "Policy"}
                  </Link>
                  {canWrite && k.status === "active" ? (
                    <Button variant="ghost" onClick={() => setConfirming(k)} aria-label={`Revoke ${k.name}`}>
                      Revoke
                    </Button>
                  ) : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <ConfirmDialog
        open={confirming !== null}
        title="Revoke this key?"
        confirmLabel="Revoke key"
        pendingLabel="Revoking…"
        pending={revoke.isPending}
        error={revoke.error?.message}
        onConfirm={() => confirming && revoke.mutate(confirming.id)}
        onCancel={() => setConfirming(null)}
      >
        <strong>{confirming?.name}</strong> ({confirming?.display}) stops working immediately, everywhere. This cannot
        be undone.
      </ConfirmDialog>
    </section>
  );
}
