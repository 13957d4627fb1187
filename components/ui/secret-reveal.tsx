"use client";

import { CopyButton } from "./copy-button";

/** A freshly created secret: shown here once, never again. */
export function SecretReveal({ secret, what }: { secret: string; what: string }) {
  return (
    <div className="space-y-3">
      <p className="text-sm text-amber-800">
        Copy this {what} now. Gatehouse keeps only a hash of it and <strong>cannot show it again</strong>.
      </p>
      <div className="flex items-center gap-2">
        <code
          data-testid="secret-value"
          className="block flex-1 overflow-x-auto rounded bg-slate-900 px-3 py-2 font-mono text-sm text-green-300"
        >
          {secret}
        </code>
        <CopyButton value={secret} />
      </div>
    </div>
  );
}
