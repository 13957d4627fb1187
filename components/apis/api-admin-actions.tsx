"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { ApiView } from "@/lib/schemas/apis";
import { Button } from "../ui/button";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { callCatalog, type CatalogError } from "./catalog-client";
import { OpenApiField } from "./openapi-field";
import { ProblemList } from "./problem-list";

/** Re-import replaces every route rule with the new document's. */
export function ReimportForm({ apiId }: { apiId: string }) {
  const router = useRouter();
  const [openapi, setOpenapi] = useState("");
  const [error, setError] = useState<CatalogError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setPending(true);
    setError(null);
    setDone(null);
    const res = await callCatalog<ApiView>("PUT", `/api/v1/apis/${encodeURIComponent(apiId)}/openapi`, { openapi });
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
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    const res = await callCatalog<ApiView>("DELETE", `/api/v1/apis/${encodeURIComponent(api.id)}`);
    setPending(false);
    if (!res.ok) {
      setError(res.error.message);
      return;
    }
    setOpen(false);
    router.push("/admin/apis");
    router.refresh();
  }

  return (
    <>
      <Button variant="danger" onClick={() => setOpen(true)}>
        Delete API
      </Button>
      <ConfirmDialog
        open={open}
        title="Delete this API?"
        confirmLabel="Delete API"
        pendingLabel="Deleting…"
        pending={pending}
        error={error}
        onConfirm={confirm}
        onCancel={() => setOpen(false)}
      >
        <strong>{api.name}</strong> ({api.basePath}) and its route rules are removed from the catalog. Its scopes stay.
      </ConfirmDialog>
    </>
  );
}
