// decide(): the one function every data-plane path calls. Pure apart from the
// store lookup: format/checksum first (no DB), then status, expiry, scopes.
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

export async function decide(store: KeyStore, input: DecideInput): Promise<Decision> {
  const credential = input.credential;
  if (!credential || !parseApiKey(credential)) return { allow: false, code: "MALFORMED" };
  const hash = hashSecret(credential);
  const cached = store.peek(hash);
  const record = cached !== undefined ? cached : await store.get(hash);
  return decideForRecord(record, input.requiredScopes ?? [], input.now ?? Date.now());
}
