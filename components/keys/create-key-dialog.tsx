"use client";

import { useState, type FormEvent } from "react";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorText, Field, Input } from "../ui/field";
import { SecretReveal } from "../ui/secret-reveal";
import { FormActions } from "../ui/form-actions";
import { ScopeCheckboxes, type ScopeOption } from "../scopes/scope-checkboxes";

export type { ScopeOption };

type CreateResult = { ok: true; data: { id: string; key: string } } | { ok: false; error: { message: string } };

export function CreateKeyDialog({
  scopes,
  onCreate,
  onDone,
}: {
  scopes: ScopeOption[];
  onCreate: (input: {
    name: string;
    scopes: string[];
    environment: string;
    expiresAt?: string;
  }) => Promise<CreateResult>;
  onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  function close() {
    setOpen(false);
    setSecret(null);
    setError(null);
    onDone();
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const expires = String(form.get("expiresAt") ?? "");
    setPending(true);
    setError(null);
    const res = await onCreate({
      name: String(form.get("name") ?? ""),
      scopes: form.getAll("scopes").map(String),
      environment: String(form.get("environment") ?? "live"),
      ...(expires ? { expiresAt: new Date(expires).toISOString() } : {}),
    });
    setPending(false);
    if (res.ok) setSecret(res.data.key);
    else setError(res.error.message);
  }

  return (
    <>
      <Button onClick={() => setOpen(true)}>Create key</Button>
      <Dialog open={open} onClose={close} title={secret ? "Your new API key" : "Create an API key"}>
        {secret ? (
          <SecretReveal secret={secret} what="key" onDone={close} />
        ) : (
          <form onSubmit={submit} className="space-y-4">
            <ErrorText>{error}</ErrorText>
            <Field label="Name">
              <Input name="name" required maxLength={100} placeholder="e.g. billing-service" autoFocus />
            </Field>
            <ScopeCheckboxes scopes={scopes} hint="Grant only what this key needs." />
            <Field label="Environment">
              <select
                name="environment"
                className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
              >
                <option value="live">live</option>
                <option value="test">test</option>
              </select>
            </Field>
            <Field label="Expires (optional)">
              <Input name="expiresAt" type="datetime-local" />
            </Field>
            <FormActions onCancel={close} pending={pending} label="Create" pendingLabel="Creating…" />
          </form>
        )}
      </Dialog>
    </>
  );
}
