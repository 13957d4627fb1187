"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { TokenView } from "@/lib/schemas/tokens";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorText, Field, Input } from "../ui/field";
import { SecretReveal } from "../ui/secret-reveal";

type Result = { ok: true; data: { id: string; token: string } } | { ok: false; error: { message: string } };

export function TokensPanel({
  orgSlug,
  tokens,
  createToken,
}: {
  orgSlug: string;
  tokens: TokenView[];
  createToken: (orgSlug: string, input: unknown) => Promise<Result>;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const res = await createToken(orgSlug, { name: String(new FormData(e.currentTarget).get("name") ?? "") });
    if (res.ok) setSecret(res.data.token);
    else setError(res.error.message);
  }
  function close() {
    setOpen(false);
    setSecret(null);
    setError(null);
    router.refresh();
  }

  return (
    <section className="space-y-4">
      <div className="flex items-center justify-between">
        <div>
          <h2 className="text-lg font-semibold">Management tokens</h2>
          <p className="text-sm text-slate-600">
            For scripts and CI: send as <code>Authorization: Bearer gmt_…</code> to <code>/api/v1</code>.
          </p>
        </div>
        <Button onClick={() => setOpen(true)}>Create token</Button>
      </div>
      <ul className="divide-y divide-slate-100 rounded-lg border border-slate-200 bg-white text-sm">
        {tokens.length === 0 ? <li className="p-4 text-slate-600">No tokens yet.</li> : null}
        {tokens.map((t) => (
          <li key={t.id} className="flex justify-between p-3">
            <span className="font-medium">{t.name}</span>
            <span className="font-mono text-xs text-slate-600">gmt_…{t.last4}</span>
            <span className="text-slate-600">created {new Date(t.createdAt).toLocaleString()}</span>
          </li>
        ))}
      </ul>
      <Dialog open={open} onClose={close} title={secret ? "Your new management token" : "Create a management token"}>
        {secret ? (
          <SecretReveal secret={secret} what="token" onDone={close} />
        ) : (
          <form onSubmit={submit} className="space-y-4">
            <ErrorText>{error}</ErrorText>
            <Field label="Name">
              <Input name="name" required maxLength={100} placeholder="e.g. deploy-pipeline" />
            </Field>
            <div className="flex justify-end gap-2">
              <Button type="button" variant="secondary" onClick={close}>
                Cancel
              </Button>
              <Button type="submit">Create</Button>
            </div>
          </form>
        )}
      </Dialog>
    </section>
  );
}
