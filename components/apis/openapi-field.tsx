"use client";

import { useId, useState, type ChangeEvent } from "react";
import { Textarea } from "../ui/field";

const MAX_BYTES = 5_000_000;

/** The OpenAPI document as pasted text, or read from a chosen file into the same text area (no URL fetching). */
export function OpenApiField({
  label,
  value,
  onChange,
  required = false,
}: {
  label: string;
  value: string;
  onChange: (text: string) => void;
  required?: boolean;
}) {
  const textId = useId();
  const fileId = useId();
  const [fileError, setFileError] = useState<string | null>(null);

  async function pick(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    setFileError(null);
    if (!file) return;
    if (file.size > MAX_BYTES) {
      setFileError(`${file.name} is larger than 5 MB.`);
      return;
    }
    onChange(await file.text());
  }

  return (
    <div className="space-y-2 text-sm">
      <label htmlFor={textId} className="block font-medium text-slate-800">
        {label}
      </label>
      <Textarea
        id={textId}
        name="openapi"
        rows={14}
        spellCheck={false}
        required={required}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={"openapi: 3.1.0\ninfo:\n  title: …\npaths:\n  …"}
        className="font-mono text-xs"
      />
      <div className="flex items-center gap-2">
        <label htmlFor={fileId} className="text-slate-700">
          Or load a file (JSON or YAML)
        </label>
        <input
          id={fileId}
          type="file"
          accept=".json,.yaml,.yml,application/json,application/yaml,text/yaml"
          onChange={pick}
          className="text-xs"
        />
      </div>
      {fileError ? <p className="text-xs text-red-700">{fileError}</p> : null}
      <p className="text-xs text-slate-500">
        OpenAPI 3.0 or 3.1. Each operation&apos;s <code>security</code> (or the document&apos;s) becomes a route rule;
        new scope names join the scope catalog. External <code>$ref</code>s are not followed.
      </p>
    </div>
  );
}
