// PATCH semantics of a policy, the same at every level — an API key, an OAuth
// client, an organization, a plan: a present field replaces the stored one,
// `null` removes it (inherit again), an absent one is left alone.
import { POLICY_FIELDS, readPolicy, type Policy, type PolicyField } from "../schemas/policy";

/** The policy fields of an input; other fields (a key's name, a plan's id…) are ignored. */
type PolicyPatch = Partial<Record<PolicyField, unknown>>;

function asObject(stored: unknown): Record<string, unknown> {
  return stored && typeof stored === "object" && !Array.isArray(stored)
    ? { ...(stored as Record<string, unknown>) }
    : {};
}

/** The policy fields this patch names (to decide whether the policy column is written at all). */
export function policyFieldsIn(input: PolicyPatch): PolicyField[] {
  return POLICY_FIELDS.filter((f) => input[f] !== undefined);
}

/**
 * The stored policy with the patch applied. Keys we don't know are kept, so a
 * newer writer's fields survive an older one's patch.
 */
export function mergePolicy(stored: unknown, input: PolicyPatch): Record<string, unknown> {
  const merged = asObject(stored);
  for (const field of POLICY_FIELDS) {
    const value = input[field];
    if (value === undefined) continue;
    if (value === null) delete merged[field];
    else merged[field] = value;
  }
  return merged;
}

/**
 * The known policy fields of a stored value, for views: an unknown key (from a
 * newer version) must not make the whole policy unreadable.
 */
export function viewPolicy(stored: unknown): Policy {
  const obj = asObject(stored);
  return readPolicy(Object.fromEntries(POLICY_FIELDS.filter((f) => f in obj).map((f) => [f, obj[f]])));
}
