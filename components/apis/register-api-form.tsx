"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import type { ApiView } from "@/lib/schemas/apis";
import { callApi, type CallError } from "../api-client";
import { Button } from "../ui/button";
import { Field, Input } from "../ui/field";
import { OpenApiField } from "./openapi-field";
import { ProblemList } from "./problem-list";

export function RegisterApiForm() {
  const router = useRouter();
  const [openapi, setOpenapi] = useState("");
  const [error, setError] = useState<CallError | null>(null);
  const [pending, setPending] = useState(false);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const res = await callApi<ApiView>("POST", "/api/v1/apis", {
      name: String(form.get("name") ?? ""),
      basePath: String(form.get("basePath") ?? ""),
      upstreamUrl: String(form.get("upstreamUrl") ?? ""),
      ...(openapi.trim() ? { openapi } : {}),
    });
    setPending(false);
    if (!res.ok) {
      setError(res.error);
      return;
    }
    router.push(`/admin/apis/${res.data.id}`);
  }

  return (
    <form
      onSubmit={submit}
      className="space-y-4 rounded-lg border border-slate-200 bg-white p-6"
      aria-label="Register an API"
    >
      <h2 className="text-lg font-semibold">Register an API</h2>
      <ProblemList error={error} />
      <div className="grid gap-4 md:grid-cols-3">
        <Field label="Name">
          <Input name="name" required maxLength={100} placeholder="Petstore" />
        </Field>
        <Field label="Base path" hint="Where callers reach it through Gatehouse, e.g. /petstore">
          <Input name="basePath" required maxLength={200} placeholder="/petstore" />
        </Field>
        <Field label="Upstream URL" hint="Where Gatehouse forwards allowed calls">
          <Input name="upstreamUrl" type="url" required placeholder="https://pets.internal:8080" />
        </Field>
      </div>
      <OpenApiField label="OpenAPI document (optional)" value={openapi} onChange={setOpenapi} />
      <div className="flex justify-end">
        <Button type="submit" disabled={pending}>
          {pending ? "Registering…" : "Register API"}
        </Button>
      </div>
    </form>
  );
}
