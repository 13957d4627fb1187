"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useId, useState, useSyncExternalStore, type FormEvent, type ReactNode } from "react";
import type { KeyView } from "@/lib/schemas/keys";
import { DAYS, type Day } from "@/lib/schemas/policy";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { ErrorText, Field, Input, Textarea } from "../ui/field";
import { policyBadges } from "./policy-summary";
import { keyQueries } from "./query-keys";

type Detail = { path: string; message: string };
type ApiErrorBody = { error?: { code?: string; message?: string; details?: Detail[] } };

type WindowRow = { id: number; days: Day[]; start: string; end: string; timeZone: string };
type LimitRow = { id: number; limit: string; windowSeconds: string };
type FormState = {
  name: string;
  ipText: string;
  windows: WindowRow[];
  limits: LimitRow[];
  quotaLimit: string;
  quotaPeriod: "day" | "month";
  remaining: string;
  refillAmount: string;
  refillInterval: "" | "daily" | "monthly";
};

const DAY_LABEL: Record<Day, string> = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};
const FIELD_LABEL: Record<string, string> = {
  days: "Days",
  start: "Start",
  end: "End",
  timeZone: "Time zone",
  limit: "Limit",
  windowSeconds: "Window",
  period: "Period",
  amount: "Amount",
  interval: "Interval",
};
const selectClass = "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";

let nextRowId = 1;
const rowId = () => nextRowId++;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function fromView(k: KeyView): FormState {
  const p = k.policy;
  return {
    name: k.name,
    ipText: (p.ipAllowlist ?? []).join("\n"),
    windows: (p.timeWindows ?? []).map((w) => ({ id: rowId(), ...w, days: [...w.days] })),
    limits: (p.rateLimits ?? []).map((r) => ({
      id: rowId(),
      limit: String(r.limit),
      windowSeconds: String(r.windowSeconds),
    })),
    quotaLimit: p.quota ? String(p.quota.limit) : "",
    quotaPeriod: p.quota?.period ?? "month",
    remaining: k.remaining === null ? "" : String(k.remaining),
    refillAmount: k.refill ? String(k.refill.amount) : "",
    refillInterval: k.refill?.interval ?? "",
  };
}

/** One address or range per line; blank lines are the textarea's, not the list's. */
function ipLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

// An empty input is sent as "" so the server names the field instead of us guessing a number.
const toNumber = (s: string): number | string => (s.trim() === "" ? s : Number(s));

/** The PATCH body this form means. Empty lists clear the field (inherit), they don't mean "allow nothing". */
function toBody(f: FormState): Record<string, unknown> {
  const ips = ipLines(f.ipText);
  return {
    name: f.name.trim(),
    ipAllowlist: ips.length ? ips : null,
    timeWindows: f.windows.length
      ? f.windows.map((w) => ({
          days: DAYS.filter((d) => w.days.includes(d)),
          start: w.start.trim(),
          end: w.end.trim(),
          timeZone: w.timeZone.trim(),
        }))
      : null,
    rateLimits: f.limits.length
      ? f.limits.map((r) => ({ limit: toNumber(r.limit), windowSeconds: toNumber(r.windowSeconds) }))
      : null,
    quota: f.quotaLimit.trim() === "" ? null : { limit: toNumber(f.quotaLimit), period: f.quotaPeriod },
    remaining: f.remaining.trim() === "" ? null : toNumber(f.remaining),
    refill: f.refillInterval === "" ? null : { amount: toNumber(f.refillAmount), interval: f.refillInterval },
  };
}

/**
 * Only the fields that differ from what was loaded: re-sending an unchanged `remaining`
 * would reset a counter that calls have decremented since the page loaded.
 */
function changedFields(initial: FormState, current: FormState): Record<string, unknown> {
  const a = toBody(initial);
  const b = toBody(current);
  return Object.fromEntries(Object.entries(b).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(a[k])));
}

function messagesFor(details: Detail[], prefix: string): string[] {
  return details
    .filter((d) => d.path === prefix || d.path.startsWith(`${prefix}.`))
    .map((d) => {
      const rest = d.path.slice(prefix.length + 1).split(".");
      const label = FIELD_LABEL[rest[0] ?? ""];
      return label ? `${label}: ${d.message}` : d.message;
    });
}

function FieldErrors({ messages, id }: { messages: string[]; id?: string }) {
  if (!messages.length) return null;
  return (
    <ul id={id} className="mt-1 space-y-0.5 text-sm text-red-700" data-testid="field-error">
      {messages.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

function Section({ title, hint, children }: { title: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4">
      <h2 className="font-semibold">{title}</h2>
      {hint ? <p className="mb-3 text-sm text-slate-500">{hint}</p> : null}
      {children}
    </section>
  );
}

const noSubscribe = () => () => {};

export function PolicyEditor({
  orgSlug,
  initialKey,
  canWrite,
}: {
  orgSlug: string;
  initialKey: KeyView;
  canWrite: boolean;
}) {
  const qc = useQueryClient();
  const ids = useId();
  const [saved, setSaved] = useState<KeyView>(initialKey);
  const [initial, setInitial] = useState<FormState>(() => fromView(initialKey));
  const [form, setForm] = useState<FormState>(initial);
  const [details, setDetails] = useState<Detail[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);
  // Time zone suggestions come from the browser's ICU data, which the server's may not match.
  const mounted = useSyncExternalStore(
    noSubscribe,
    () => true,
    () => false,
  );
  const editable = canWrite && saved.status === "active";
  const sentIps = ipLines(form.ipText);

  const set = (patch: Partial<FormState>) => {
    setForm((f) => ({ ...f, ...patch }));
    setNotice(null);
  };
  const setWindow = (id: number, patch: Partial<WindowRow>) =>
    set({ windows: form.windows.map((w) => (w.id === id ? { ...w, ...patch } : w)) });
  const setLimit = (id: number, patch: Partial<LimitRow>) =>
    set({ limits: form.limits.map((r) => (r.id === id ? { ...r, ...patch } : r)) });

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const body = changedFields(initial, form);
    setError(null);
    setDetails([]);
    setNotice(null);
    if (Object.keys(body).length === 0) {
      setNotice("Nothing to save: no changes.");
      return;
    }
    setPending(true);
    try {
      const res = await fetch(`/api/v1/keys/${encodeURIComponent(saved.id)}?org=${encodeURIComponent(orgSlug)}`, {
        method: "PATCH",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      if (!res.ok) {
        const err = ((await res.json().catch(() => ({}))) as ApiErrorBody).error;
        const list = err?.details ?? [];
        setDetails(list);
        setError(
          list.length
            ? "Some values need fixing (see below)."
            : (err?.message ?? "Could not save the policy. Try again."),
        );
        return;
      }
      const key = (await res.json()) as KeyView;
      const next = fromView(key);
      setSaved(key);
      setInitial(next);
      setForm(next);
      setNotice("Policy saved.");
      void qc.invalidateQueries({ queryKey: keyQueries.list(orgSlug) });
    } catch {
      setError("Could not reach Gatehouse. Check your connection and try again.");
    } finally {
      setPending(false);
    }
  }

  // Errors whose path names no section (e.g. "send at least one field") go to the top.
  const known = ["name", "ipAllowlist", "timeWindows", "rateLimits", "quota", "remaining", "refill"];
  const general = details.filter((d) => !known.includes(d.path.split(".")[0] ?? "")).map((d) => d.message);
  const badges = policyBadges(saved);

  return (
    <div className="space-y-6">
      <section aria-label="Saved policy" className="flex flex-wrap items-center gap-2" data-testid="saved-policy">
        <span className="text-sm text-slate-600">Saved policy:</span>
        {badges.length ? (
          badges.map((b) => (
            <Badge key={b} tone="slate">
              {b}
            </Badge>
          ))
        ) : (
          <span className="text-sm text-slate-500">Nothing set on this key; organization and plan policies apply.</span>
        )}
      </section>

      {!editable ? (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-800">
          {saved.status !== "active"
            ? `This key is ${saved.status}; its policy can no longer change.`
            : "Your role can view this policy but not change it."}
        </p>
      ) : null}

      <form onSubmit={submit} className="space-y-4">
        <ErrorText>{error}</ErrorText>
        <FieldErrors messages={general} />
        <fieldset disabled={!editable || pending} className="space-y-4">
          <Section title="Name">
            <Field label="Key name">
              <Input value={form.name} onChange={(e) => set({ name: e.target.value })} maxLength={100} required />
            </Field>
            <FieldErrors messages={messagesFor(details, "name")} />
          </Section>

          <Section
            title="IP allowlist"
            hint="Calls are allowed only from these addresses. Empty = no restriction on this key."
          >
            <Field label="Allowed IPs and CIDR ranges" hint="One per line, e.g. 203.0.113.0/24 or 2001:db8::/32.">
              <Textarea
                rows={4}
                className="font-mono"
                value={form.ipText}
                onChange={(e) => set({ ipText: e.target.value })}
                aria-describedby={`${ids}-ip-errors`}
              />
            </Field>
            <FieldErrors
              id={`${ids}-ip-errors`}
              messages={details
                .filter((d) => d.path === "ipAllowlist" || d.path.startsWith("ipAllowlist."))
                .map((d) => {
                  const i = Number(d.path.split(".")[1]);
                  return Number.isInteger(i) && sentIps[i] !== undefined
                    ? `Line ${i + 1} (${sentIps[i]}): ${d.message}`
                    : d.message;
                })}
            />
          </Section>

          <Section
            title="Time windows"
            hint="Calls are allowed only inside one of these windows (local time in the zone given). None = any time."
          >
            <div className="space-y-3">
              {form.windows.map((w, i) => (
                <fieldset
                  key={w.id}
                  className="rounded-md border border-slate-200 p-3"
                  data-testid={`time-window-${i + 1}`}
                >
                  <legend className="px-1 text-sm font-medium">Time window {i + 1}</legend>
                  <div className="flex flex-wrap gap-3">
                    {DAYS.map((d) => (
                      <label key={d} className="flex items-center gap-1 text-sm">
                        <input
                          type="checkbox"
                          checked={w.days.includes(d)}
                          onChange={(e) =>
                            setWindow(w.id, {
                              days: e.target.checked ? [...w.days, d] : w.days.filter((x) => x !== d),
                            })
                          }
                        />
                        {DAY_LABEL[d]}
                      </label>
                    ))}
                  </div>
                  <div className="mt-2 grid grid-cols-[8rem_8rem_1fr_auto] items-end gap-2">
                    <Field label="Start">
                      <Input
                        value={w.start}
                        onChange={(e) => setWindow(w.id, { start: e.target.value })}
                        placeholder="08:00"
                        inputMode="numeric"
                        required
                      />
                    </Field>
                    <Field label="End">
                      <Input
                        value={w.end}
                        onChange={(e) => setWindow(w.id, { end: e.target.value })}
                        placeholder="18:00"
                        inputMode="numeric"
                        required
                      />
                    </Field>
                    <Field label="Time zone">
                      <Input
                        value={w.timeZone}
                        onChange={(e) => setWindow(w.id, { timeZone: e.target.value })}
                        list={`${ids}-zones`}
                        placeholder="Europe/Berlin"
                        required
                      />
                    </Field>
                    <Button
                      type="button"
                      variant="ghost"
                      aria-label={`Remove time window ${i + 1}`}
                      onClick={() => set({ windows: form.windows.filter((x) => x.id !== w.id) })}
                    >
                      Remove
                    </Button>
                  </div>
                  <p className="mt-1 text-xs text-slate-500">HH:MM, 24-hour. An end before the start spans midnight.</p>
                  <FieldErrors messages={messagesFor(details, `timeWindows.${i}`)} />
                </fieldset>
              ))}
            </div>
            <FieldErrors messages={details.filter((d) => d.path === "timeWindows").map((d) => d.message)} />
            <Button
              type="button"
              variant="secondary"
              className="mt-3"
              onClick={() =>
                set({
                  windows: [
                    ...form.windows,
                    {
                      id: rowId(),
                      days: ["mon", "tue", "wed", "thu", "fri"],
                      start: "09:00",
                      end: "17:00",
                      timeZone: browserTimeZone(),
                    },
                  ],
                })
              }
            >
              Add time window
            </Button>
            {mounted ? (
              <datalist id={`${ids}-zones`}>
                {["UTC", ...Intl.supportedValuesOf("timeZone")].map((z) => (
                  <option key={z} value={z} />
                ))}
              </datalist>
            ) : null}
          </Section>

          <Section
            title="Rate limits"
            hint="At most this many calls per window; several windows may apply at once (e.g. 10/s and 1000/h)."
          >
            <div className="space-y-2">
              {form.limits.map((r, i) => (
                <div key={r.id} data-testid={`rate-limit-${i + 1}`}>
                  <div className="grid grid-cols-[10rem_12rem_auto] items-end gap-2">
                    <Field label="Limit">
                      <Input
                        type="number"
                        min={1}
                        step={1}
                        value={r.limit}
                        onChange={(e) => setLimit(r.id, { limit: e.target.value })}
                        required
                      />
                    </Field>
                    <Field label="Window (seconds)">
                      <Input
                        type="number"
                        min={1}
                        step={1}
                        value={r.windowSeconds}
                        onChange={(e) => setLimit(r.id, { windowSeconds: e.target.value })}
                        required
                      />
                    </Field>
                    <Button
                      type="button"
                      variant="ghost"
                      aria-label={`Remove rate limit ${i + 1}`}
                      onClick={() => set({ limits: form.limits.filter((x) => x.id !== r.id) })}
                    >
                      Remove
                    </Button>
                  </div>
                  <FieldErrors messages={messagesFor(details, `rateLimits.${i}`)} />
                </div>
              ))}
            </div>
            <FieldErrors messages={details.filter((d) => d.path === "rateLimits").map((d) => d.message)} />
            <Button
              type="button"
              variant="secondary"
              className="mt-3"
              onClick={() => set({ limits: [...form.limits, { id: rowId(), limit: "10", windowSeconds: "1" }] })}
            >
              Add rate limit
            </Button>
          </Section>

          <Section title="Quota" hint="Calls per calendar day or month (UTC). Empty = no quota on this key.">
            <div className="grid grid-cols-[12rem_10rem] items-end gap-2">
              <Field label="Quota limit">
                <Input
                  type="number"
                  min={1}
                  step={1}
                  value={form.quotaLimit}
                  onChange={(e) => set({ quotaLimit: e.target.value })}
                />
              </Field>
              <Field label="Quota period">
                <select
                  className={selectClass}
                  value={form.quotaPeriod}
                  onChange={(e) => set({ quotaPeriod: e.target.value as FormState["quotaPeriod"] })}
                >
                  <option value="month">per month</option>
                  <option value="day">per day</option>
                </select>
              </Field>
            </div>
            <FieldErrors messages={messagesFor(details, "quota")} />
          </Section>

          <Section
            title="Usage cap"
            hint="A number of uses that counts down with every allowed call; optionally refilled each UTC day or month."
          >
            <div className="grid grid-cols-[12rem_12rem_10rem] items-end gap-2">
              <Field label="Remaining uses">
                <Input
                  type="number"
                  min={0}
                  step={1}
                  value={form.remaining}
                  placeholder="uncapped"
                  onChange={(e) => set({ remaining: e.target.value })}
                />
              </Field>
              <Field label="Refill interval">
                <select
                  className={selectClass}
                  value={form.refillInterval}
                  onChange={(e) => set({ refillInterval: e.target.value as FormState["refillInterval"] })}
                >
                  <option value="">no refill</option>
                  <option value="daily">daily</option>
                  <option value="monthly">monthly</option>
                </select>
              </Field>
              <Field label="Refill amount">
                <Input
                  type="number"
                  min={1}
                  step={1}
                  value={form.refillAmount}
                  disabled={form.refillInterval === ""}
                  required={form.refillInterval !== ""}
                  onChange={(e) => set({ refillAmount: e.target.value })}
                />
              </Field>
            </div>
            <FieldErrors messages={[...messagesFor(details, "remaining"), ...messagesFor(details, "refill")]} />
          </Section>
        </fieldset>

        {editable ? (
          <div className="flex items-center gap-3">
            <Button type="submit" disabled={pending}>
              {pending ? "Saving…" : "Save policy"}
            </Button>
            <Button
              type="button"
              variant="secondary"
              disabled={pending}
              onClick={() => {
                setForm(initial);
                setDetails([]);
                setError(null);
                setNotice(null);
              }}
            >
              Discard changes
            </Button>
            {notice ? (
              <p role="status" className="text-sm text-slate-700">
                {notice}
              </p>
            ) : null}
          </div>
        ) : null}
      </form>
    </div>
  );
}
