"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { ApiView } from "@/lib/schemas/apis";
import { callApi, type CallError } from "../api-client";
import { DeleteButton } from "../delete-button";
import { Button } from "../ui/button";
import { OpenApiField } from "./openapi-field";
import { ProblemList } from "./problem-list";

/** Re-import replaces every route rule with the new document's. */
export function ReimportForm({ apiId }: { apiId: string }) {
  const router = useRouter();
  const [openapi, setOpenapi] = useState("");
  const [error, setError] = useState<CallError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPending(true);
    setError(null);
    setDone(null);
    const res = await callApi<ApiView>("PUT", `/api/v1/apis/${encodeURIComponent(apiId)}/openapi`, { openapi });
    setPending(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    setOpenapi("");
    setDone(`Imported: ${res.data.routes.length} route rule${res.data.routes.length === 1 ? "" : "s"}.`);
    router.refresh();
  }

  return (
    <form
      onSubmit={submit}
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-6"
      aria-label="Re-import OpenAPI"
    >
      <h2 className="text-lg font-semibold">Re-import OpenAPI</h2>
      <ProblemList error={error} />
      {done ? (
        <p role="status" className="rounded-md bg-green-50 px-3 py-2 text-sm text-green-800">
          {done}
        </p>
      ) : null}
      <OpenApiField label="New OpenAPI document" value={openapi} onChange={setOpenapi} required />
      <div className="flex justify-end">
        <Button type="submit" disabled={pending || !openapi.trim()}>
          {pending ? "Importing…" : "Replace route rules"}
        </Button>
      </div>
    </form>
  );
}

export function DeleteApiButton({ api }: { api: Pick<ApiView, "id" | "name" | "basePath"> }) {
  return (
    <DeleteButton
      path={`/api/v1/apis/${encodeURIComponent(api.id)}`}
      then="/admin/apis"
      label="Delete API"
      title="Delete this API?"
    >
      <strong>{api.name}</strong> ({api.basePath}) and its route rules are removed from the catalog. Its scopes stay.
    </DeleteButton>
  );
}
