"use client";

import { useId, useState, type FormEvent } from "react";
import { Button } from "../ui/button";
import { CopyButton } from "../ui/copy-button";
import { Dialog } from "../ui/dialog";
import { ErrorText, Field, Input, Textarea } from "../ui/field";
import { FormActions } from "../ui/form-actions";
import { SecretReveal } from "../ui/secret-reveal";
import { ScopeCheckboxes, type ScopeOption } from "../scopes/scope-checkboxes";

export type { ScopeOption };
type Created = { id: string; clientId: string; clientSecret: string | null };
type CreateResult = { ok: true; data: Created } | { ok: false; error: { message: string } };
export type CreateClientInput = {
  name: string;
  public: boolean;
  grantTypes: string[];
  redirectUris?: string[];
  scopes: string[];
  tokenEndpointAuthMethod?: string;
};

const GRANTS = [
  { value: "authorization_code", help: "Users sign in and consent; the app acts on their behalf (PKCE required)." },
  { value: "refresh_token", help: "Keep access without asking the user again (needs authorization_code)." },
  { value: "client_credentials", help: "Machine to machine: the client acts as itself (confidential clients only)." },
] as const;

const TYPES = [
  { value: "confidential", label: "Confidential", help: "Runs on a server that can keep a secret." },
  { value: "public", label: "Public", help: "A browser or mobile app: no secret, PKCE only." },
] as const;

const selectClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";

/** One URI per line; blank lines and surrounding spaces are the textarea's, not the URI's. */
function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

export function CreateClientDialog({
  scopes,
  onCreate,
  onDone,
}: {
  scopes: ScopeOption[];
  onCreate: (input: CreateClientInput) => Promise<CreateResult>;
  onDone: () => void;
}) {
  const [open, setOpen] = useState(false);
  const [created, setCreated] = useState<Created | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  const [isPublic, setIsPublic] = useState(false);
  const [grants, setGrants] = useState<Set<string>>(() => new Set(["authorization_code"]));
  const ids = useId();

  function reset() {
    setCreated(null);
    setError(null);
    setIsPublic(false);
    setGrants(new Set(["authorization_code"]));
  }

  function close() {
    setOpen(false);
    reset();
    onDone();
  }

  function toggleGrant(value: string, on: boolean) {
    setGrants((prev) => {
      const next = new Set(prev);
      if (on) next.add(value);
      else next.delete(value);
      // refresh_token only makes sense with the code flow.
      if (!next.has("authorization_code")) next.delete("refresh_token");
      return next;
    });
  }

  function chooseType(pub: boolean) {
    setIsPublic(pub);
    if (pub) toggleGrant("client_credentials", false);
  }

  const usesCode = grants.has("authorization_code");
  const grantDisabled = (value: string) =>
    (value === "refresh_token" && !usesCode) || (value === "client_credentials" && isPublic);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const res = await onCreate({
      name: String(form.get("name") ?? ""),
      public: isPublic,
      grantTypes: [...grants],
      ...(usesCode ? { redirectUris: parseLines(String(form.get("redirectUris") ?? "")) } : {}),
      scopes: form.getAll("scopes").map(String),
      ...(isPublic
        ? {}
        : { tokenEndpointAuthMethod: String(form.get("tokenEndpointAuthMethod") ?? "client_secret_basic") }),
    });
    setPending(false);
    if (res.ok) setCreated(res.data);
    else setError(res.error.message);
  }

  return (
    <>
      <Button onClick={() => setOpen(true)}>Create OAuth client</Button>
      <Dialog open={open} onClose={close} title={created ? "Your new OAuth client" : "Create an OAuth client"}>
        {created ? (
          <div className="space-y-4">
            <div className="space-y-1">
              <p className="text-sm font-medium text-slate-800">Client ID</p>
              <div className="flex items-center gap-2">
                <code
                  data-testid="client-id-value"
                  className="block flex-1 overflow-x-auto rounded bg-slate-100 px-3 py-2 font-mono text-sm"
                >
                  {created.clientId}
                </code>
                <CopyButton value={created.clientId} label="Copy client ID" />
              </div>
            </div>
            {created.clientSecret ? (
              <div className="space-y-1">
                <p className="text-sm font-medium text-slate-800">Client secret</p>
                <SecretReveal secret={created.clientSecret} what="client secret" />
              </div>
            ) : (
              <p className="text-sm text-slate-600">
                Public clients have no secret: they prove themselves with PKCE on every authorization.
              </p>
            )}
            <div className="flex justify-end">
              <Button onClick={close}>Done</Button>
            </div>
          </div>
        ) : (
          <form onSubmit={submit} className="space-y-4">
            <ErrorText>{error}</ErrorText>
            <Field label="Name">
              <Input name="name" required maxLength={100} placeholder="e.g. reporting-dashboard" autoFocus />
            </Field>

            <fieldset className="text-sm">
              <legend className="font-medium text-slate-800">Client type</legend>
              <div className="mt-2 space-y-2">
                {TYPES.map((t) => (
                  <div key={t.value} className="flex items-start gap-2">
                    <input
                      id={`${ids}-type-${t.value}`}
                      type="radio"
                      name="type"
                      value={t.value}
                      checked={isPublic === (t.value === "public")}
                      onChange={() => chooseType(t.value === "public")}
                      aria-describedby={`${ids}-type-${t.value}-help`}
                      className="mt-1"
                    />
                    <div>
                      <label htmlFor={`${ids}-type-${t.value}`}>{t.label}</label>
                      <p id={`${ids}-type-${t.value}-help`} className="text-xs text-slate-500">
                        {t.help}
                      </p>
                    </div>
                  </div>
                ))}
              </div>
            </fieldset>

            <fieldset className="text-sm">
              <legend className="font-medium text-slate-800">Grant types</legend>
              <div className="mt-2 space-y-2">
                {GRANTS.map((g) => (
                  <div key={g.value} className="flex items-start gap-2">
                    <input
                      id={`${ids}-grant-${g.value}`}
                      type="checkbox"
                      value={g.value}
                      checked={grants.has(g.value)}
                      disabled={grantDisabled(g.value)}
                      onChange={(e) => toggleGrant(g.value, e.currentTarget.checked)}
                      aria-describedby={`${ids}-grant-${g.value}-help`}
                      className="mt-1"
                    />
                    <div>
                      <label htmlFor={`${ids}-grant-${g.value}`} className="font-mono text-xs">
                        {g.value}
                      </label>
                      <p id={`${ids}-grant-${g.value}-help`} className="text-xs text-slate-500">
                        {g.help}
                      </p>
                    </div>
                  </div>
                ))}
              </div>
            </fieldset>

            <Field
              label="Redirect URIs"
              hint="One per line. https, or http for localhost only. Matched exactly: no wildcards, no fragments."
            >
              <Textarea
                name="redirectUris"
                rows={3}
                disabled={!usesCode}
                required={usesCode}
                placeholder="https://app.example.com/oauth/callback"
                spellCheck={false}
                className="font-mono"
              />
            </Field>

            <ScopeCheckboxes
              scopes={scopes}
              hint="The most this client can ever be granted. Choose only what it needs."
            />

            {isPublic ? null : (
              <Field label="Client authentication">
                <select name="tokenEndpointAuthMethod" defaultValue="client_secret_basic" className={selectClass}>
                  <option value="client_secret_basic">HTTP Basic (client_secret_basic)</option>
                  <option value="client_secret_post">Form body (client_secret_post)</option>
                </select>
              </Field>
            )}

            <FormActions
              onCancel={close}
              pending={pending}
              disabled={grants.size === 0}
              label="Create"
              pendingLabel="Creating…"
            />
          </form>
        )}
      </Dialog>
    </>
  );
}
