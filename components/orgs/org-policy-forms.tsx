"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { OrgPolicyView } from "@/lib/schemas/plans";
import { callApi, type Detail } from "../api-client";
import { FieldErrors, PolicyForm, type PolicyPatch, type SaveOutcome } from "../policy/policy-form";
import { Button } from "../ui/button";
import { ErrorText, Field, StatusText } from "../ui/field";

const orgPath = (id: string) => `/api/v1/admin/orgs/${encodeURIComponent(id)}`;

/** Put the organization on a plan, or on none. */
export function OrgPlanForm({ org, plans }: { org: OrgPolicyView; plans: { id: string; name: string }[] }) {
  const router = useRouter();
  const [saved, setSaved] = useState(org.plan?.id ?? "");
  const [planId, setPlanId] = useState(saved);
  const [error, setError] = useState<string | null>(null);
  const [details, setDetails] = useState<Detail[]>([]);
  const [notice, setNotice] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    setDetails([]);
    setNotice(null);
    setPending(true);
    const res = await callApi<OrgPolicyView>("PATCH", orgPath(org.id), { planId: planId || null });
    setPending(false);
    if (!res.ok) {
      setError(res.error.message);
      setDetails(res.error.details);
      return;
    }
    setSaved(res.data.plan?.id ?? "");
    setNotice(res.data.plan ? `Now on ${res.data.plan.name}.` : "No plan.");
    router.refresh();
  }

  return (
    <form
      onSubmit={submit}
      aria-label="Plan"
      className="flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      <Field label="Plan" hint="Its limits apply to every key and client of the organization from the next call.">
        <select
          className="min-w-64 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
          value={planId}
          onChange={(e) => {
            setPlanId(e.target.value);
            setNotice(null);
          }}
        >
          <option value="">No plan</option>
          {plans.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </Field>
      <Button type="submit" disabled={pending || planId === saved}>
        {pending ? "Saving…" : "Save plan"}
      </Button>
      <StatusText>{notice}</StatusText>
      <div className="basis-full">
        <ErrorText>{error}</ErrorText>
        <FieldErrors messages={details.map((d) => d.message)} />
      </div>
    </form>
  );
}

/** The organization's own policy: it counts for all its keys and clients, on top of the plan's. */
export function OrgPolicyForm({ org }: { org: OrgPolicyView }) {
  const router = useRouter();

  async function save(patch: Partial<PolicyPatch>): Promise<SaveOutcome> {
    const res = await callApi<OrgPolicyView>("PATCH", orgPath(org.id), patch);
    if (!res.ok) return { ok: false, message: res.error.message, details: res.error.details };
    router.refresh();
    return { ok: true, policy: res.data.policy };
  }

  return (
    <PolicyForm
      initial={org.policy}
      level="organization"
      onSave={save}
      submitLabel="Save organization policy"
      ariaLabel="Organization policy"
    />
  );
}
