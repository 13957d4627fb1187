// Short human labels for a key's saved policy ("IP allowlist", "Mon–Fri 08:00–18:00
// Europe/Berlin", "10/s"), shared by the keys table and the key's policy page.
import { describeTimeWindow } from "@/lib/policy/time";
import type { KeyView } from "@/lib/schemas/keys";
import type { RateLimit } from "@/lib/schemas/policy";

// Fixed locale: the same text on the server and in every browser (no hydration mismatch).
const num = new Intl.NumberFormat("en-US");

const UNITS: [seconds: number, unit: string][] = [
  [86_400, "day"],
  [3_600, "h"],
  [60, "min"],
  [1, "s"],
];

/** {limit: 10, windowSeconds: 1} → "10/s"; 100 per 60 s → "100/min"; 5 per 30 s → "5/30s". */
export function formatRateLimit(r: RateLimit): string {
  for (const [seconds, unit] of UNITS) {
    if (r.windowSeconds % seconds !== 0) continue;
    const n = r.windowSeconds / seconds;
    return `${num.format(r.limit)}/${n === 1 ? "" : n}${unit}`;
  }
  return `${num.format(r.limit)}/${r.windowSeconds}s`;
}

/** One label per saved rule, in a stable order; empty when the key only inherits. */
export function policyBadges(key: Pick<KeyView, "policy" | "remaining" | "refill">): string[] {
  const p = key.policy;
  const out: string[] = [];
  if (p.ipAllowlist?.length) out.push("IP allowlist");
  for (const w of p.timeWindows ?? []) out.push(describeTimeWindow(w));
  for (const r of p.rateLimits ?? []) out.push(formatRateLimit(r));
  if (p.quota) out.push(`${num.format(p.quota.limit)}/${p.quota.period} quota`);
  if (key.remaining !== null) out.push(`${num.format(key.remaining)} uses left`);
  if (key.refill) out.push(`refills to ${num.format(key.refill.amount)} ${key.refill.interval}`);
  return out;
}
