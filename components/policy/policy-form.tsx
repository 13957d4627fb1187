"use client";

// The four policy fields (IP allowlist, time windows, rate limits, quota) at
// any level — an API key, an OAuth client, an organization, a plan. It takes a
// value and an onSave, so the caller chooses the endpoint; the caller's own
// fields (a key's name and usage cap, a plan's name) go around the policy ones.
import { useId, useState, useSyncExternalStore, type FormEvent, type ReactNode } from "react";
import { DAY_LABELS, DAYS, POLICY_FIELDS, type Day, type Policy } from "@/lib/schemas/policy";
import type { Detail } from "../api-client";
import { Button } from "../ui/button";
import { ErrorText, Field, Input, StatusText, Textarea } from "../ui/field";

export type PolicyLevel = "key" | "client" | "organization" | "plan";
export type PolicyPatch = {
  ipAllowlist: string[] | null;
  timeWindows: { days: Day[]; start: string; end: string; timeZone: string }[] | null;
  rateLimits: { limit: number | string; windowSeconds: number | string }[] | null;
  quota: { limit: number | string; period: "day" | "month" } | null;
};
export type SaveOutcome = { ok: true; policy: Policy } | { ok: false; message: string; details: Detail[] };

/** What the caller's own fields are given: the problems of the last save, and a way to say they were edited. */
export type OwnFieldsContext = { details: Detail[]; edited: () => void };
type Slot = ReactNode | ((ctx: OwnFieldsContext) => ReactNode);

type WindowRow = { id: number; days: Day[]; start: string; end: string; timeZone: string };
type LimitRow = { id: number; limit: string; windowSeconds: string };
type FormState = {
  ipText: string;
  windows: WindowRow[];
  limits: LimitRow[];
  quotaLimit: string;
  quotaPeriod: "day" | "month";
};

/** The hints are all that depends on whose policy it is. */
const HINTS: Record<PolicyLevel, { ip: string; rateLimits: string; quota: string; ipRows: number }> = {
  key: {
    ip: "Calls are allowed only from these addresses. Empty = no restriction on this key.",
    rateLimits: "At most this many calls per window; several windows may apply at once (e.g. 10/s and 1000/h).",
    quota: "Calls per calendar day or month (UTC). Empty = no quota on this key.",
    ipRows: 4,
  },
  client: {
    ip: "Calls are allowed only from these addresses. Empty = no restriction on this client.",
    rateLimits: "Counted for this client; several windows may apply at once (e.g. 10/s and 1000/h).",
    quota: "Calls per calendar day or month (UTC) for this client. Empty = no quota on this client.",
    ipRows: 3,
  },
  organization: {
    ip: "Calls are allowed only from these addresses. Empty = no restriction on this organization.",
    rateLimits: "Counted for all of the organization's keys and clients together; several windows may apply at once.",
    quota:
      "Calls per calendar day or month (UTC) for the whole organization; replaces the plan's quota. Empty = the plan's quota (if any) applies.",
    ipRows: 3,
  },
  plan: {
    ip: "Calls are allowed only from these addresses. Empty = no restriction from the plan.",
    rateLimits:
      "Counted per key or client of every organization on the plan (unless the credential sets its own); several windows may apply at once (e.g. 10/s and 1000/h).",
    quota: "Calls per calendar day or month (UTC) for the whole organization. Empty = no restriction from the plan.",
    ipRows: 3,
  },
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
const POLICY_PATHS: readonly string[] = POLICY_FIELDS;
export const selectClass = "rounded-md border border-slate-300 bg-white px-3 py-2 text-sm";

let nextRowId = 1;
const rowId = () => nextRowId++;

function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  } catch {
    return "UTC";
  }
}

function fromPolicy(p: Policy): FormState {
  return {
    ipText: (p.ipAllowlist ?? []).join("\n"),
    windows: (p.timeWindows ?? []).map((w) => ({ id: rowId(), ...w, days: [...w.days] })),
    limits: (p.rateLimits ?? []).map((r) => ({
      id: rowId(),
      limit: String(r.limit),
      windowSeconds: String(r.windowSeconds),
    })),
    quotaLimit: p.quota ? String(p.quota.limit) : "",
    quotaPeriod: p.quota?.period ?? "month",
  };
}

/** One address or range per line; blank lines are the textarea's, not the list's. */
function ipLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** An empty input is sent as "" so the server names the field instead of us guessing a number. */
export const toNumber = (s: string): number | string => (s.trim() === "" ? s : Number(s));

/** The body this form means. Empty lists clear the field (inherit), they don't mean "allow nothing". */
function toPatch(f: FormState): PolicyPatch {
  const ips = ipLines(f.ipText);
  return {
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
  };
}

/**
 * Only the fields of `current` that differ from `initial`: a concurrent edit of
 * another field survives, and an unchanged counter (a key's `remaining`) is not
 * reset to what the page loaded.
 */
export function changedFields<T extends object>(initial: T, current: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(current).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(initial[k as keyof T])),
  ) as Partial<T>;
}

/** The problems at `path` or below it, labelled with the sub-field they name ("Time zone: …"). */
export function detailMessages(details: Detail[], path: string): string[] {
  return details
    .filter((d) => d.path === path || d.path.startsWith(`${path}.`))
    .map((d) => {
      const rest = d.path.slice(path.length + 1).split(".");
      const label = FIELD_LABEL[rest[0] ?? ""];
      return label ? `${label}: ${d.message}` : d.message;
    });
}

export function FieldErrors({ messages, id }: { messages: string[]; id?: string }) {
  if (!messages.length) return null;
  return (
    <ul id={id} className="mt-1 space-y-0.5 text-sm text-red-700" data-testid="field-error">
      {messages.map((m, i) => (
        <li key={i}>{m}</li>
      ))}
    </ul>
  );
}

export function Section({
  title,
  hint,
  heading: Heading = "h3",
  children,
}: {
  title: string;
  hint?: ReactNode;
  /** The page's outline: h2 where the form is the page, h3 under a heading of its own. */
  heading?: "h2" | "h3";
  children: ReactNode;
}) {
  return (
    <section className="rounded-lg border border-slate-200 bg-white p-4">
      <Heading className="font-semibold">{title}</Heading>
      {hint ? <p className="mb-3 text-sm text-slate-500">{hint}</p> : null}
      {children}
    </section>
  );
}

const noSubscribe = () => () => {};

export function PolicyForm({
  initial: initialPolicy,
  onSave,
  level,
  children,
  after,
  ownPaths = [],
  allowEmpty = false,
  readOnly = false,
  onDiscard,
  submitLabel = "Save policy",
  pendingLabel = "Saving…",
  savedNotice = "Saved.",
  sectionHeading = "h3",
  ariaLabel,
}: {
  initial: Policy;
  /** Sends the changed fields (with whatever the caller adds) and reports the saved policy or the problems. */
  onSave: (patch: Partial<PolicyPatch>) => Promise<SaveOutcome>;
  /** Whose policy this is: only the hints' wording depends on it. */
  level: PolicyLevel;
  /** The caller's own fields before the policy fields (e.g. a plan's or key's name). */
  children?: Slot;
  /** The caller's own fields after the policy fields (e.g. a key's usage cap). */
  after?: Slot;
  /** Error paths the caller shows itself (next to its own fields). */
  ownPaths?: string[];
  /** Submit even when no policy field changed (the caller's own fields did, or creating something with no policy). */
  allowEmpty?: boolean;
  /** Show the policy without letting it change: fields disabled, no buttons. */
  readOnly?: boolean;
  /** "Discard changes" was pressed: the caller resets its own fields. */
  onDiscard?: () => void;
  submitLabel?: string;
  pendingLabel?: string;
  savedNotice?: string;
  sectionHeading?: "h2" | "h3";
  ariaLabel?: string;
}) {
  const ids = useId();
  const [initial, setInitial] = useState<FormState>(() => fromPolicy(initialPolicy));
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
  const sentIps = ipLines(form.ipText);
  const hints = HINTS[level];
  const own: OwnFieldsContext = { details, edited: () => setNotice(null) };
  const slot = (s: Slot) => (typeof s === "function" ? s(own) : s);

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
    const patch = changedFields(toPatch(initial), toPatch(form));
    setError(null);
    setDetails([]);
    setNotice(null);
    if (!allowEmpty && Object.keys(patch).length === 0) {
      setNotice("Nothing to save: no changes.");
      return;
    }
    setPending(true);
    try {
      const res = await onSave(patch);
      if (!res.ok) {
        setDetails(res.details);
        setError(res.details.length ? "Some values need fixing (see below)." : res.message);
        return;
      }
      const next = fromPolicy(res.policy);
      setInitial(next);
      setForm(next);
      setNotice(savedNotice);
    } finally {
      setPending(false);
    }
  }

  // Errors whose path names no section (e.g. "send at least one field") go to the top.
  const general = details
    .filter((d) => ![...POLICY_PATHS, ...ownPaths].includes(d.path.split(".")[0] ?? ""))
    .map((d) => d.message);

  return (
    <form onSubmit={submit} className="space-y-4" aria-label={ariaLabel}>
      <ErrorText>{error}</ErrorText>
      <FieldErrors messages={general} />
      <fieldset disabled={readOnly || pending} className="space-y-4">
        {slot(children)}
        <Section title="IP allowlist" hint={hints.ip} heading={sectionHeading}>
          <Field label="Allowed IPs and CIDR ranges" hint="One per line, e.g. 203.0.113.0/24 or 2001:db8::/32.">
            <Textarea
              rows={hints.ipRows}
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
          heading={sectionHeading}
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
                          setWindow(w.id, { days: e.target.checked ? [...w.days, d] : w.days.filter((x) => x !== d) })
                        }
                      />
                      {DAY_LABELS[d]}
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
                <FieldErrors messages={detailMessages(details, `timeWindows.${i}`)} />
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

        <Section title="Rate limits" hint={hints.rateLimits} heading={sectionHeading}>
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
                <FieldErrors messages={detailMessages(details, `rateLimits.${i}`)} />
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

        <Section title="Quota" hint={hints.quota} heading={sectionHeading}>
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
          <FieldErrors messages={detailMessages(details, "quota")} />
        </Section>
        {slot(after)}
      </fieldset>

      {readOnly ? null : (
        <div className="flex items-center gap-3">
          <Button type="submit" disabled={pending}>
            {pending ? pendingLabel : submitLabel}
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
              onDiscard?.();
            }}
          >
            Discard changes
          </Button>
          <StatusText>{notice}</StatusText>
        </div>
      )}
    </form>
  );
}
