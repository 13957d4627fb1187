"use client";

import { useRouter } from "next/navigation";
import { useState } from "react";
import type { PlanView } from "@/lib/schemas/plans";
import { callApi, type CallResult, type Detail } from "../api-client";
import { DeleteButton } from "../delete-button";
import { detailMessages, FieldErrors, PolicyForm, type PolicyPatch, type SaveOutcome } from "../policy/policy-form";
import { Field, Input, Textarea } from "../ui/field";

function NameAndDescription({
  name,
  description,
  onName,
  onDescription,
  details,
}: {
  name: string;
  description: string;
  onName: (v: string) => void;
  onDescription: (v: string) => void;
  details: Detail[];
}) {
  return (
    <section className="space-y-3 rounded-lg border border-slate-200 bg-white p-4">
      <Field label="Plan name">
        <Input value={name} onChange={(e) => onName(e.target.value)} maxLength={100} required placeholder="Pro" />
      </Field>
      <FieldErrors messages={detailMessages(details, "name")} />
      <Field label="Description" hint="Shown to admins only.">
        <Textarea
          rows={2}
          value={description}
          onChange={(e) => onDescription(e.target.value)}
          maxLength={500}
          placeholder="10 calls/s, 100,000 calls a month"
        />
      </Field>
      <FieldErrors messages={detailMessages(details, "description")} />
    </section>
  );
}

const outcome = (res: CallResult<PlanView>, setDetails: (d: Detail[]) => void): SaveOutcome => {
  if (!res.ok) {
    setDetails(res.error.details);
    return { ok: false, message: res.error.message, details: res.error.details };
  }
  setDetails([]);
  return { ok: true, policy: res.data.policy };
};

export function CreatePlanForm() {
  const router = useRouter();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [details, setDetails] = useState<Detail[]>([]);

  async function save(patch: Partial<PolicyPatch>): Promise<SaveOutcome> {
    // On create, "null" means the same as absent: only set fields are sent.
    const policy = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== null));
    const res = await callApi<PlanView>("POST", "/api/v1/admin/plans", { name, description, ...policy });
    const result = outcome(res, setDetails);
    if (res.ok) router.push(`/admin/plans/${encodeURIComponent(res.data.id)}`);
    return result;
  }

  return (
    <div className="space-y-3">
      <h2 className="text-lg font-semibold">Create a plan</h2>
      <PolicyForm
        initial={{}}
        level="plan"
        onSave={save}
        allowEmpty
        ownPaths={["name", "description"]}
        submitLabel="Create plan"
        pendingLabel="Creating…"
        ariaLabel="Create a plan"
      >
        <NameAndDescription
          name={name}
          description={description}
          onName={setName}
          onDescription={setDescription}
          details={details}
        />
      </PolicyForm>
    </div>
  );
}

export function EditPlanForm({ plan }: { plan: PlanView }) {
  const router = useRouter();
  const [saved, setSaved] = useState({ name: plan.name, description: plan.description });
  const [name, setName] = useState(plan.name);
  const [description, setDescription] = useState(plan.description);
  const [details, setDetails] = useState<Detail[]>([]);
  const ownChanges = {
    ...(name.trim() !== saved.name ? { name } : {}),
    ...(description.trim() !== saved.description ? { description } : {}),
  };

  async function save(patch: Partial<PolicyPatch>): Promise<SaveOutcome> {
    const res = await callApi<PlanView>("PATCH", `/api/v1/admin/plans/${encodeURIComponent(plan.id)}`, {
      ...ownChanges,
      ...patch,
    });
    if (res.ok) {
      setSaved({ name: res.data.name, description: res.data.description });
      setName(res.data.name);
      setDescription(res.data.description);
      router.refresh();
    }
    return outcome(res, setDetails);
  }

  return (
    <PolicyForm
      initial={plan.policy}
      level="plan"
      onSave={save}
      allowEmpty={Object.keys(ownChanges).length > 0}
      ownPaths={["name", "description"]}
      submitLabel="Save plan"
      ariaLabel="Edit plan"
    >
      <NameAndDescription
        name={name}
        description={description}
        onName={setName}
        onDescription={setDescription}
        details={details}
      />
    </PolicyForm>
  );
}

export function DeletePlanButton({ plan }: { plan: Pick<PlanView, "id" | "name" | "organizations"> }) {
  return (
    <DeleteButton
      path={`/api/v1/admin/plans/${encodeURIComponent(plan.id)}`}
      then="/admin/plans"
      label="Delete plan"
      title="Delete this plan?"
    >
      {plan.organizations > 0 ? (
        <>
          <strong>{plan.name}</strong> is used by {plan.organizations} organization
          {plan.organizations === 1 ? "" : "s"}: move them to another plan first, or the deletion is refused.
        </>
      ) : (
        <>
          <strong>{plan.name}</strong> is on no organization. Deleting it cannot be undone.
        </>
      )}
    </DeleteButton>
  );
}
