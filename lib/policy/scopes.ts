// Scope checks as pure functions (used by lib/access and, later, the simulator).

/** Scopes in `required` that `granted` lacks, in request order. */
export function missingScopes(granted: ReadonlySet<string>, required: readonly string[]): string[] {
  const missing: string[] = [];
  for (const s of required) if (!granted.has(s)) missing.push(s);
  return missing;
}

/** `read:profile update:profile` → ["read:profile", "update:profile"] (blank-tolerant). */
export function parseScopeList(value: string | null | undefined): string[] {
  if (!value) return [];
  return value.split(/[\s,]+/).filter(Boolean);
}

/** Scope names: `action:resource`-style tokens, no spaces (RFC 6749 §3.3 scope-token chars). */
export const SCOPE_NAME = /^[\x21\x23-\x5B\x5D-\x7E]{1,64}$/;
