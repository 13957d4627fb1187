// Credential format (GitHub/Stripe practice, DESIGN.md §3.5):
//   <prefix><32 base62 random chars = 190 bits><6 base62 chars of CRC32(prefix+random)>
// The recognisable prefix lets secret scanners find leaked keys; the checksum lets
// the verifier reject typos and random garbage without a database hit.
import { hash, randomBytes } from "node:crypto";
import { crc32 } from "node:zlib";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const RANDOM_LENGTH = 32;
export const CHECKSUM_LENGTH = 6;

export const PREFIXES = {
  apiKeyLive: "gk_live_",
  apiKeyTest: "gk_test_",
  managementToken: "gmt_",
  oauthClientSecret: "gcs_",
  /** Client ids are public identifiers, not secrets: no checksum, just a recognisable prefix. */
  oauthClientId: "gc_",
} as const;

export type KeyEnvironment = "live" | "test";

/** Uniform base62 string from the CSPRNG (rejection sampling avoids modulo bias). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += ALPHABET[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

function toBase62Fixed(value: number, width: number): string {
  let n = value;
  let out = "";
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

export function checksum(body: string): string {
  return toBase62Fixed(crc32(body) >>> 0, CHECKSUM_LENGTH);
}

export function generateSecret(prefix: string): string {
  const body = prefix + randomBase62(RANDOM_LENGTH);
  return body + checksum(body);
}

const TAIL = new RegExp(`^[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

/** True when `secret` has `prefix`, the right length and alphabet, and a matching checksum. */
export function isWellFormed(secret: string, prefix: string): boolean {
  if (!secret.startsWith(prefix)) return false;
  const tail = secret.slice(prefix.length);
  if (!TAIL.test(tail)) return false;
  const body = secret.slice(0, secret.length - CHECKSUM_LENGTH);
  return checksum(body) === secret.slice(-CHECKSUM_LENGTH);
}

/** Parse an API key: its environment when well-formed, else null (no DB needed). */
export function parseApiKey(secret: string): { environment: KeyEnvironment; prefix: string } | null {
  if (secret.startsWith(PREFIXES.apiKeyLive)) {
    return isWellFormed(secret, PREFIXES.apiKeyLive) ? { environment: "live", prefix: PREFIXES.apiKeyLive } : null;
  }
  if (secret.startsWith(PREFIXES.apiKeyTest)) {
    return isWellFormed(secret, PREFIXES.apiKeyTest) ? { environment: "test", prefix: PREFIXES.apiKeyTest } : null;
  }
  return null;
}

export function apiKeyPrefix(environment: KeyEnvironment): string {
  return environment === "test" ? PREFIXES.apiKeyTest : PREFIXES.apiKeyLive;
}

/**
 * SHA-256, hex. Secrets carry ≥160 bits of entropy, so a slow password KDF adds
 * nothing but latency on the hot path. Lookups are by this hash (an index probe,
 * not a string comparison of the secret), so timing reveals nothing about it.
 */
export function hashSecret(secret: string): string {
  return hash("sha256", secret, "hex");
}

export function lastFour(secret: string): string {
  return secret.slice(-4);
}

/** What the portal shows instead of the secret: `gk_live_…a1B2`. */
export function displayKey(prefix: string, last4: string): string {
  return `${prefix}…${last4}`;
}
