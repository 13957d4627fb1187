"use client";

import { useMutation } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import type { Simulation } from "@/lib/schemas/simulate";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ErrorText, Field, Input, Textarea } from "../ui/field";

export type SimulatorKeyOption = { id: string; name: string; display: string; status: string };
type Detail = { path: string; message: string };
type ApiErrorBody = { error?: { message?: string; details?: Detail[] } };

class SimulationError extends Error {
  constructor(
    message: string,
    readonly details: Detail[],
  ) {
    super(message);
  }
}

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];
const OUTCOME_TONE = { pass: "green", fail: "red", skip: "slate" } as const;
const selectClass = "w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";

function fieldMessages(details: Detail[], field: string): string | null {
  const list = details.filter((d) => d.path === field || d.path.startsWith(`${field}.`)).map((d) => d.message);
  return list.length ? list.join(" ") : null;
}

function FieldError({ children }: { children: string | null }) {
  return children ? (
    <p className="mt-1 text-sm text-red-700" data-testid="field-error">
      {children}
    </p>
  ) : null;
}

/**
 * The access simulator: one credential, method, path, client IP and time in, the
 * decision and its rule-by-rule trace out. `keys` lists the organization's keys to
 * pick from; without it (the admin view) any key is named by its id.
 */
export function SimulatorForm({
  orgSlug,
  keys,
  initialKeyId,
}: {
  orgSlug: string | null;
  keys?: SimulatorKeyOption[];
  initialKeyId?: string;
}) {
  const [source, setSource] = useState<"key" | "credential">(keys && keys.length === 0 ? "credential" : "key");
  const simulate = useMutation({
    mutationFn: async (body: Record<string, unknown>): Promise<Simulation> => {
      const url = `/api/v1/simulate${orgSlug ? `?org=${encodeURIComponent(orgSlug)}` : ""}`;
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) {
        const err = ((await res.json().catch(() => ({}))) as ApiErrorBody).error;
        throw new SimulationError(err?.message ?? "The simulation failed. Try again.", err?.details ?? []);
      }
      return (await res.json()) as Simulation;
    },
  });
  const details = simulate.error instanceof SimulationError ? simulate.error.details : [];

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string) => String(form.get(name) ?? "").trim();
    const at = text("at");
    const scopes = text("scopes").split(/\s+/).filter(Boolean);
    simulate.mutate({
      ...(source === "key" ? { keyId: text("keyId") } : { credential: text("credential") }),
      method: text("method") || "GET",
      path: text("path") || "/",
      ...(text("ip") ? { ip: text("ip") } : {}),
      // datetime-local is the browser's local time; the API wants an instant.
      ...(at ? { at: new Date(at).toISOString() } : {}),
      ...(scopes.length ? { scopes } : {}),
    });
  }

  const result = simulate.data;
  return (
    <div className="grid gap-6 lg:grid-cols-[22rem_1fr]">
      <form
        onSubmit={submit}
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4"
        aria-label="Simulate"
      >
        <fieldset className="space-y-1 text-sm">
          <legend className="font-medium text-slate-800">Credential</legend>
          <label className="flex items-center gap-2">
            <input type="radio" name="source" checked={source === "key"} onChange={() => setSource("key")} />
            {keys ? "One of this organization's keys" : "A key by id"}
          </label>
          <label className="flex items-center gap-2">
            <input
              type="radio"
              name="source"
              checked={source === "credential"}
              onChange={() => setSource("credential")}
            />
            Paste a credential
          </label>
        </fieldset>

        {source === "key" ? (
          keys ? (
            <Field label="Key">
              <select name="keyId" className={selectClass} defaultValue={initialKeyId} required>
                {keys.map((k) => (
                  <option key={k.id} value={k.id}>
                    {k.name} ({k.display}){k.status === "active" ? "" : ` — ${k.status}`}
                  </option>
                ))}
              </select>
            </Field>
          ) : (
            <Field label="Key id">
              <Input name="keyId" defaultValue={initialKeyId} required placeholder="e.g. cmb1x…" />
            </Field>
          )
        ) : (
          <Field label="API key or access token" hint="Used for this simulation only; never stored or logged.">
            <Textarea name="credential" rows={3} className="font-mono text-xs" required autoComplete="off" />
          </Field>
        )}
        <FieldError>{fieldMessages(details, source === "key" ? "keyId" : "credential")}</FieldError>

        <div className="grid grid-cols-[7rem_1fr] gap-2">
          <Field label="Method">
            <select name="method" className={selectClass} defaultValue="GET">
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          </Field>
          <Field label="Path">
            <Input name="path" defaultValue="/" required />
          </Field>
        </div>
        <FieldError>{fieldMessages(details, "method") ?? fieldMessages(details, "path")}</FieldError>

        <Field label="Client IP">
          <Input name="ip" defaultValue="127.0.0.1" required />
        </Field>
        <FieldError>{fieldMessages(details, "ip")}</FieldError>

        <Field label="Date and time" hint="Your local time. Empty = now.">
          <Input name="at" type="datetime-local" step={1} />
        </Field>
        <FieldError>{fieldMessages(details, "at")}</FieldError>

        <Field label="Required scopes (optional)" hint="Space-separated, e.g. read:profile write:orders.">
          <Input name="scopes" />
        </Field>
        <FieldError>{fieldMessages(details, "scopes")}</FieldError>

        <Button type="submit" disabled={simulate.isPending}>
          {simulate.isPending ? "Simulating…" : "Simulate"}
        </Button>
      </form>

      <div aria-live="polite">
        {simulate.error ? (
          <ErrorText>
            {simulate.error.message}
            {details
              .filter((d) => d.path === "")
              .map((d) => ` ${d.message}`)
              .join("")}
          </ErrorText>
        ) : null}
        {result ? (
          <SimulationResult result={result} />
        ) : simulate.error ? null : (
          <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
            Pick a credential and a request, then Simulate. Nothing is counted: no rate limit, quota or usage changes.
          </p>
        )}
      </div>
    </div>
  );
}

function SimulationResult({ result }: { result: Simulation }) {
  return (
    <section aria-label="Decision" className="space-y-4">
      <div
        data-testid="decision"
        className={`rounded-lg border p-4 ${result.allow ? "border-green-200 bg-green-50" : "border-red-200 bg-red-50"}`}
      >
        <p className={`text-xl font-semibold ${result.allow ? "text-green-800" : "text-red-800"}`}>
          {result.allow ? "Allowed" : "Denied"}
        </p>
        <dl className="mt-2 grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
          <dt className="text-slate-600">Code</dt>
          <dd>
            <code data-testid="decision-code">{result.code}</code>
          </dd>
          <dt className="text-slate-600">HTTP status</dt>
          <dd data-testid="decision-status">{result.status}</dd>
          {result.decidedBy ? (
            <>
              <dt className="text-slate-600">Decided by</dt>
              <dd>
                <code>{result.decidedBy}</code>
              </dd>
            </>
          ) : null}
          <dt className="text-slate-600">Credential</dt>
          <dd>
            {result.credential ? (
              <>
                {result.credential.type === "api_key" ? "API key" : "OAuth access token"}{" "}
                <code className="text-xs">{result.credential.id}</code>
              </>
            ) : (
              "not recognised"
            )}
          </dd>
          <dt className="text-slate-600">Route</dt>
          <dd>
            {result.route ? (
              <code className="text-xs">
                {result.route.api}: {result.route.method} {result.route.pathTemplate}
              </code>
            ) : (
              "no API route matched"
            )}
          </dd>
        </dl>
      </div>

      <table aria-label="Decision trace" className="w-full rounded-lg border border-slate-200 bg-white text-sm">
        <thead className="bg-slate-50 text-left text-slate-600">
          <tr>
            <th className="px-3 py-2">Rule</th>
            <th className="px-3 py-2">Outcome</th>
            <th className="px-3 py-2">Detail</th>
          </tr>
        </thead>
        <tbody>
          {result.trace.map((step, i) => {
            const deciding = step.rule === result.decidedBy;
            return (
              <tr
                key={`${step.rule}-${i}`}
                data-rule={step.rule}
                data-outcome={step.outcome}
                data-deciding={deciding ? "true" : undefined}
                aria-current={deciding ? "true" : undefined}
                className={`border-t border-slate-100 ${deciding ? "bg-red-50 font-semibold outline-2 outline-red-300" : ""}`}
              >
                <td className="px-3 py-2">
                  <code>{step.rule}</code>
                  {deciding ? <span className="ml-2 text-xs text-red-700">deciding rule</span> : null}
                </td>
                <td className="px-3 py-2">
                  <Badge tone={OUTCOME_TONE[step.outcome]}>{step.outcome}</Badge>
                </td>
                <td className="px-3 py-2 text-slate-700">{step.detail}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
