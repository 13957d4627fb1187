// decide(): the one function every data-plane path calls. Pure apart from the
// store lookup: cache, else format/checksum (no DB) then a lookup; then status,
// expiry, scopes.
import { hashSecret, parseApiKey } from "../credentials/format";
import { missingScopes } from "../policy/scopes";
import type { KeyStore } from "./key-store";
import type { Decision, KeyRecord } from "./types";

export type DecideInput = { credential: string | null | undefined; requiredScopes?: readonly string[]; now?: number };

export function decideForRecord(record: KeyRecord | null, requiredScopes: readonly string[], now: number): Decision {
  if (!record) return { allow: false, code: "NOT_FOUND" };
  if (record.revokedAt !== null) return { allow: false, code: "REVOKED", key: record };
  if (record.expiresAt !== null && record.expiresAt <= now) return { allow: false, code: "EXPIRED", key: record };
  if (requiredScopes.length > 0) {
    const missing = missingScopes(record.scopeSet, requiredScopes);
    if (missing.length > 0) return { allow: false, code: "INSUFFICIENT_SCOPE", key: record, missingScopes: missing };
  }
  return { allow: true, code: "VALID", key: record };
}

/** Longer than any credential we issue: rejected before hashing. */
const MAX_CREDENTIAL_LENGTH = 256;

/**
 * The decision when it needs no I/O — a malformed credential, or one whose
 * record (or known absence) is cached — else undefined: call decide().
 * The hot path: synchronous, so a cached key costs no promise or tick.
 */
export function decideCached(store: KeyStore, input: DecideInput): Decision | undefined {
  const credential = input.credential;
  if (!credential || credential.length > MAX_CREDENTIAL_LENGTH) return { allow: false, code: "MALFORMED" };
  // Only well-formed credentials are ever loaded into the cache (the format is
  // checked before a lookup), so a cache hit needs no format/checksum check.
  const cached = store.peek(hashSecret(credential));
  if (cached !== undefined) return decideForRecord(cached, input.requiredScopes ?? [], input.now ?? Date.now());
  return parseApiKey(credential) ? undefined : { allow: false, code: "MALFORMED" };
}

/** The cache-miss half: load the record. Only for input decideCached() returned undefined for. */
export async function decideFromStore(store: KeyStore, input: DecideInput): Promise<Decision> {
  const record = await store.get(hashSecret(input.credential as string));
  return decideForRecord(record, input.requiredScopes ?? [], input.now ?? Date.now());
}

export async function decide(store: KeyStore, input: DecideInput): Promise<Decision> {
  return decideCached(store, input) ?? decideFromStore(store, input);
}
