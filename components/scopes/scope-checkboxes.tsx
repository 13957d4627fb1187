import type { ReactNode } from "react";

export type ScopeOption = { name: string; description: string };

/** Scope catalog as checkboxes named `scopes` (read with FormData.getAll("scopes")). */
export function ScopeCheckboxes({ scopes, hint }: { scopes: ScopeOption[]; hint: ReactNode }) {
  return (
    <fieldset className="text-sm">
      <legend className="font-medium text-slate-800">Scopes</legend>
      <p className="text-xs text-slate-500">{hint}</p>
      <div className="mt-2 space-y-1">
        {scopes.map((s) => (
          <label key={s.name} className="flex items-center gap-2">
            <input type="checkbox" name="scopes" value={s.name} />
            <code className="text-xs">{s.name}</code>
            <span className="text-slate-500">{s.description}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
