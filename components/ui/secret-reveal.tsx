"use client";

import { Button } from "./button";
import { CopyButton } from "./copy-button";

/** A freshly created secret: shown here once, never again. `onDone` adds the dialog's closing button. */
export function SecretReveal({ secret, what, onDone }: { secret: string; what: string; onDone?: () => void }) {
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
      {onDone ? (
        <div className="flex justify-end">
          <Button onClick={onDone}>Done</Button>
        </div>
      ) : null}
    </div>
  );
}
