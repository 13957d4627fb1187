"use client";

import { useState, type FormEvent } from "react";
import type { OAuthClientView } from "@/lib/schemas/oauth-clients";
import { Button } from "../ui/button";
import { Dialog } from "../ui/dialog";
import { ErrorText, Field } from "../ui/field";
import { FormActions } from "../ui/form-actions";
import { SecretReveal } from "../ui/secret-reveal";

type Rotated = { clientSecret: string; previousSecretExpiresAt: string | null };
type RotateResult = { ok: true; data: Rotated } | { ok: false; error: { message: string } };

const GRACE_PERIODS = [
  { seconds: 0, label: "None — the old secret stops now" },
  { seconds: 3600, label: "1 hour" },
  { seconds: 86_400, label: "24 hours" },
  { seconds: 604_800, label: "7 days" },
] as const;

/** Rotation for one client; `client` null means closed. The new secret lives only in this component's state. */
export function RotateSecretDialog({
  client,
  onRotate,
  onClose,
}: {
  client: OAuthClientView | null;
  onRotate: (clientId: string, input: { gracePeriodSeconds: number }) => Promise<RotateResult>;
  onClose: () => void;
}) {
  const [rotated, setRotated] = useState<Rotated | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  function close() {
    setRotated(null);
    setError(null);
    onClose();
  }

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!client) return;
    const gracePeriodSeconds = Number(new FormData(e.currentTarget).get("gracePeriodSeconds") ?? 3600);
    setPending(true);
    setError(null);
    const res = await onRotate(client.id, { gracePeriodSeconds });
    setPending(false);
    if (res.ok) setRotated(res.data);
    else setError(res.error.message);
  }

  return (
    <Dialog open={client !== null} onClose={close} title={rotated ? "Your new client secret" : "Rotate client secret"}>
      {rotated ? (
        <div className="space-y-4">
          <SecretReveal secret={rotated.clientSecret} what="client secret" />
          <p className="text-sm text-slate-700" data-testid="previous-secret-note">
            {rotated.previousSecretExpiresAt
              ? `The previous secret keeps working until ${new Date(rotated.previousSecretExpiresAt).toLocaleString()}.`
              : "The previous secret no longer works."}
          </p>
          <div className="flex justify-end">
            <Button onClick={close}>Done</Button>
          </div>
        </div>
      ) : (
        <form onSubmit={submit} className="space-y-4">
          <p className="text-sm text-slate-700">
            <strong>{client?.name}</strong> gets a new secret now. Give the old one time to be replaced wherever it is
            deployed.
          </p>
          <ErrorText>{error}</ErrorText>
          <Field label="Grace period for the old secret">
            <select
              name="gracePeriodSeconds"
              defaultValue={3600}
              className="w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
            >
              {GRACE_PERIODS.map((g) => (
                <option key={g.seconds} value={g.seconds}>
                  {g.label}
                </option>
              ))}
            </select>
          </Field>
          <FormActions onCancel={close} pending={pending} label="Rotate secret" pendingLabel="Rotating…" />
        </form>
      )}
    </Dialog>
  );
}
