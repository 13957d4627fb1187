"use client";

// A key's policy page: the shared policy fields (components/policy/policy-form.tsx)
// with a key's own fields around them — its name before, its usage cap after —
// saved together with PATCH /api/v1/keys/{id}.
import { useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { KeyView } from "@/lib/schemas/keys";
import { callApi, type Detail } from "../api-client";
import {
  changedFields,
  detailMessages,
  FieldErrors,
  PolicyForm,
  Section,
  selectClass,
  toNumber,
  type PolicyPatch,
  type SaveOutcome,
} from "../policy/policy-form";
import { Badge } from "../ui/badge";
import { Field, Input } from "../ui/field";
import { policyBadges } from "./policy-summary";
import { keyQueries } from "./query-keys";

/** The key's own fields, as typed. */
type KeyFields = {
  name: string;
  remaining: string;
  refillAmount: string;
  refillInterval: "" | "daily" | "monthly";
};
const KEY_PATHS = ["name", "remaining", "refill"];

function fromView(k: KeyView): KeyFields {
  return {
    name: k.name,
    remaining: k.remaining === null ? "" : String(k.remaining),
    refillAmount: k.refill ? String(k.refill.amount) : "",
    refillInterval: k.refill?.interval ?? "",
  };
}

/** The PATCH body's key fields this form means. */
function toBody(f: KeyFields) {
  return {
    name: f.name.trim(),
    remaining: f.remaining.trim() === "" ? null : toNumber(f.remaining),
    refill: f.refillInterval === "" ? null : { amount: toNumber(f.refillAmount), interval: f.refillInterval },
  };
}

type OwnFieldsProps = { fields: KeyFields; details: Detail[]; onChange: (patch: Partial<KeyFields>) => void };

function KeyName({ fields, details, onChange }: OwnFieldsProps) {
  return (
    <Section title="Name" heading="h2">
      <Field label="Key name">
        <Input value={fields.name} onChange={(e) => onChange({ name: e.target.value })} maxLength={100} required />
      </Field>
      <FieldErrors messages={detailMessages(details, "name")} />
    </Section>
  );
}

function UsageCap({ fields, details, onChange }: OwnFieldsProps) {
  return (
    <Section
      title="Usage cap"
      hint="A number of uses that counts down with every allowed call; optionally refilled each UTC day or month."
      heading="h2"
    >
      <div className="grid grid-cols-[12rem_12rem_10rem] items-end gap-2">
        <Field label="Remaining uses">
          <Input
            type="number"
            min={0}
            step={1}
            value={fields.remaining}
            placeholder="uncapped"
            onChange={(e) => onChange({ remaining: e.target.value })}
          />
        </Field>
        <Field label="Refill interval">
          <select
            className={selectClass}
            value={fields.refillInterval}
            onChange={(e) => onChange({ refillInterval: e.target.value as KeyFields["refillInterval"] })}
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
            value={fields.refillAmount}
            disabled={fields.refillInterval === ""}
            required={fields.refillInterval !== ""}
            onChange={(e) => onChange({ refillAmount: e.target.value })}
          />
        </Field>
      </div>
      <FieldErrors messages={[...detailMessages(details, "remaining"), ...detailMessages(details, "refill")]} />
    </Section>
  );
}

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
  const [saved, setSaved] = useState<KeyView>(initialKey);
  const [initial, setInitial] = useState<KeyFields>(() => fromView(initialKey));
  const [fields, setFields] = useState<KeyFields>(initial);
  const editable = canWrite && saved.status === "active";
  // Only what changed: re-sending an unchanged `remaining` would reset a counter
  // that calls have decremented since the page loaded.
  const ownChanges = changedFields(toBody(initial), toBody(fields));

  const update = (edited: () => void) => (patch: Partial<KeyFields>) => {
    setFields((f) => ({ ...f, ...patch }));
    edited();
  };

  async function save(patch: Partial<PolicyPatch>): Promise<SaveOutcome> {
    const res = await callApi<KeyView>(
      "PATCH",
      `/api/v1/keys/${encodeURIComponent(saved.id)}?org=${encodeURIComponent(orgSlug)}`,
      { ...ownChanges, ...patch },
    );
    if (!res.ok) return { ok: false, message: res.error.message, details: res.error.details };
    const key = res.data;
    const next = fromView(key);
    setSaved(key);
    setInitial(next);
    setFields(next);
    void qc.invalidateQueries({ queryKey: keyQueries.list(orgSlug) });
    return { ok: true, policy: key.policy };
  }

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

      <PolicyForm
        initial={initialKey.policy}
        level="key"
        onSave={save}
        ownPaths={KEY_PATHS}
        allowEmpty={Object.keys(ownChanges).length > 0}
        readOnly={!editable}
        onDiscard={() => setFields(initial)}
        savedNotice="Policy saved."
        sectionHeading="h2"
        after={({ details, edited }) => <UsageCap fields={fields} details={details} onChange={update(edited)} />}
      >
        {({ details, edited }) => <KeyName fields={fields} details={details} onChange={update(edited)} />}
      </PolicyForm>
    </div>
  );
}
