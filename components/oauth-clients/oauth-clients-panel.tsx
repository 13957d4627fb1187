"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { OAuthClientView } from "@/lib/schemas/oauth-clients";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { ErrorText } from "../ui/field";
import { CreateClientDialog, type CreateClientInput, type ScopeOption } from "./create-client-dialog";
import { clientQueries } from "./query-keys";
import { RotateSecretDialog } from "./rotate-secret-dialog";

type Result<T> = { ok: true; data: T } | { ok: false; error: { message: string } };

const fmt = (iso: string | null) => (iso ? new Date(iso).toLocaleString() : "—");
const TONE = { active: "green", revoked: "red" } as const;

function CodeList({ items }: { items: string[] }) {
  if (items.length === 0) return <>—</>;
  return (
    <ul className="space-y-0.5">
      {items.map((i) => (
        <li key={i}>
          <code className="text-xs break-all">{i}</code>
        </li>
      ))}
    </ul>
  );
}

export function OAuthClientsPanel({
  orgSlug,
  initialClients,
  scopes,
  canWrite,
  createClient,
  rotateSecret,
  revokeClient,
}: {
  orgSlug: string;
  initialClients: OAuthClientView[];
  scopes: ScopeOption[];
  canWrite: boolean;
  createClient: (
    orgSlug: string,
    input: CreateClientInput,
  ) => Promise<Result<{ id: string; clientId: string; clientSecret: string | null }>>;
  rotateSecret: (
    orgSlug: string,
    clientId: string,
    input: { gracePeriodSeconds: number },
  ) => Promise<Result<{ clientSecret: string; previousSecretExpiresAt: string | null }>>;
  revokeClient: (orgSlug: string, clientId: string) => Promise<Result<{ id: string }>>;
}) {
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: clientQueries.list(orgSlug) });
  const clients = useQuery({
    queryKey: clientQueries.list(orgSlug),
    queryFn: async (): Promise<OAuthClientView[]> => {
      const res = await fetch(`/api/v1/oauth-clients?org=${encodeURIComponent(orgSlug)}`);
      if (!res.ok) throw new Error("Could not load OAuth clients.");
      return ((await res.json()) as { data: OAuthClientView[] }).data;
    },
    initialData: initialClients,
  });
  const [rotating, setRotating] = useState<OAuthClientView | null>(null);
  const [confirming, setConfirming] = useState<OAuthClientView | null>(null);
  const revoke = useMutation({
    mutationFn: async (id: string) => {
      const res = await revokeClient(orgSlug, id);
      if (!res.ok) throw new Error(res.error.message);
      return res.data;
    },
    onSuccess: () => {
      setConfirming(null);
      return invalidate();
    },
  });

  return (
    <section>
      <div className="mb-4 flex items-center justify-between">
        <div>
          <h1 className="text-2xl font-semibold">OAuth clients</h1>
          <p className="text-sm text-slate-600">Applications that get tokens from Gatehouse&apos;s OAuth 2.0 server.</p>
        </div>
        {canWrite ? (
          <CreateClientDialog
            scopes={scopes}
            onCreate={(input) => createClient(orgSlug, input)}
            onDone={() => void invalidate()}
          />
        ) : null}
      </div>
      {clients.error ? <ErrorText>{clients.error.message}</ErrorText> : null}
      {clients.data.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
          No OAuth clients yet. Create one to let an application request tokens.
        </p>
      ) : (
        <div className="overflow-x-auto">
          <table className="w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-sm">
            <thead className="bg-slate-50 text-left text-slate-600">
              <tr>
                <th className="px-3 py-2">Name</th>
                <th className="px-3 py-2">Client ID</th>
                <th className="px-3 py-2">Type</th>
                <th className="px-3 py-2">Grant types</th>
                <th className="px-3 py-2">Redirect URIs</th>
                <th className="px-3 py-2">Scopes</th>
                <th className="px-3 py-2">Secret</th>
                <th className="px-3 py-2">Created</th>
                <th className="px-3 py-2">Status</th>
                <th className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {clients.data.map((c) => (
                <tr key={c.id} className="border-t border-slate-100 align-top" data-testid={`client-row-${c.id}`}>
                  <td className="px-3 py-2 font-medium">{c.name}</td>
                  <td className="px-3 py-2 font-mono text-xs break-all">{c.clientId}</td>
                  <td className="px-3 py-2">{c.type}</td>
                  <td className="px-3 py-2">
                    <CodeList items={c.grantTypes} />
                  </td>
                  <td className="px-3 py-2">
                    <CodeList items={c.redirectUris} />
                  </td>
                  <td className="px-3 py-2">
                    <CodeList items={c.scopes} />
                  </td>
                  <td className="px-3 py-2 font-mono text-xs">
                    {c.secretLast4 ? `gcs_…${c.secretLast4}` : "—"}
                    {c.previousSecretExpiresAt ? (
                      <span className="mt-1 block font-sans text-slate-500">
                        previous works until {fmt(c.previousSecretExpiresAt)}
                      </span>
                    ) : null}
                  </td>
                  <td className="px-3 py-2">{fmt(c.createdAt)}</td>
                  <td className="px-3 py-2">
                    <Badge tone={TONE[c.status]}>{c.status}</Badge>
                  </td>
                  <td className="px-3 py-2 text-right whitespace-nowrap">
                    {canWrite && c.status === "active" && c.type === "confidential" ? (
                      <Button variant="ghost" onClick={() => setRotating(c)} aria-label={`Rotate secret for ${c.name}`}>
                        Rotate secret
                      </Button>
                    ) : null}
                    {canWrite && c.status === "active" ? (
                      <Button variant="ghost" onClick={() => setConfirming(c)} aria-label={`Revoke ${c.name}`}>
                        Revoke
                      </Button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <RotateSecretDialog
        client={rotating}
        onRotate={async (id, input) => {
          const res = await rotateSecret(orgSlug, id, input);
          if (res.ok) void invalidate();
          return res;
        }}
        onClose={() => setRotating(null)}
      />
      <ConfirmDialog
        open={confirming !== null}
        title="Revoke this OAuth client?"
        confirmLabel="Revoke client"
        pendingLabel="Revoking…"
        pending={revoke.isPending}
        error={revoke.error?.message}
        onConfirm={() => confirming && revoke.mutate(confirming.id)}
        onCancel={() => setConfirming(null)}
      >
        <strong>{confirming?.name}</strong> (<code className="text-xs">{confirming?.clientId}</code>) can no longer get
        tokens, and every grant, refresh token and access token issued to it stops working. This cannot be undone.
      </ConfirmDialog>
    </section>
  );
}
