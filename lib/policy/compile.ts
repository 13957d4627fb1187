// How policy levels combine into what the data plane checks per request.
// Levels: the credential (API key or OAuth client), its organization, the
// organization's plan.
//  - IP allowlists and time windows: every level that sets one must pass
//    (a credential can narrow its organization's policy, never widen it).
//  - Rate limits: the credential's own windows (else its plan's) count per
//    credential; the organization's windows count for the whole organization.
//  - Quota: the credential's own counts per credential; the organization's
//    (else its plan's) counts for the whole organization.
import type { Policy, Quota, RateLimit, TimeWindow } from "../schemas/policy";
import { compileAllowlist, type IpAllowlist } from "./ip";

export type PolicyLevel = "key" | "client" | "org" | "plan";

export type CompiledPolicy = {
  readonly ipAllowlists: readonly { level: PolicyLevel; list: IpAllowlist }[];
  readonly timeWindows: readonly { level: PolicyLevel; windows: readonly TimeWindow[] }[];
  /** Counted per credential. */
  readonly credentialLimits: readonly RateLimit[];
  /** Counted per organization. */
  readonly orgLimits: readonly RateLimit[];
  readonly credentialQuota: Quota | null;
  readonly orgQuota: Quota | null;
  /** Nothing to check: the hot path skips policy evaluation entirely. */
  readonly empty: boolean;
  /** Only static checks (IP, time): no counters, so a decision needs no I/O. */
  readonly countersFree: boolean;
};

export type PolicyLevels = {
  credential: Policy;
  credentialLevel: "key" | "client";
  org: Policy;
  plan: Policy | null;
};

export function compilePolicy(levels: PolicyLevels): CompiledPolicy {
  const ipAllowlists: { level: PolicyLevel; list: IpAllowlist }[] = [];
  const timeWindows: { level: PolicyLevel; windows: readonly TimeWindow[] }[] = [];
  const ordered: [PolicyLevel, Policy | null][] = [
    [levels.credentialLevel, levels.credential],
    ["org", levels.org],
    ["plan", levels.plan],
  ];
  for (const [level, p] of ordered) {
    if (!p) continue;
    // An empty allowlist is "set, allows nothing": a deliberate lock-out.
    if (p.ipAllowlist) ipAllowlists.push({ level, list: compileAllowlist(p.ipAllowlist) });
    if (p.timeWindows && p.timeWindows.length > 0) timeWindows.push({ level, windows: p.timeWindows });
  }
  const credentialLimits = levels.credential.rateLimits ?? levels.plan?.rateLimits ?? [];
  const orgLimits = levels.org.rateLimits ?? [];
  const credentialQuota = levels.credential.quota ?? null;
  const orgQuota = levels.org.quota ?? levels.plan?.quota ?? null;
  const countersFree =
    credentialLimits.length === 0 && orgLimits.length === 0 && credentialQuota === null && orgQuota === null;
  return {
    ipAllowlists,
    timeWindows,
    credentialLimits: [...credentialLimits].sort((a, b) => a.windowSeconds - b.windowSeconds),
    orgLimits: [...orgLimits].sort((a, b) => a.windowSeconds - b.windowSeconds),
    credentialQuota,
    orgQuota,
    countersFree,
    empty: countersFree && ipAllowlists.length === 0 && timeWindows.length === 0,
  };
}

export const EMPTY_POLICY: CompiledPolicy = compilePolicy({
  credential: {},
  credentialLevel: "key",
  org: {},
  plan: null,
});
