// The static half of a decision as pure functions: IP allowlists, time
// windows, scopes (explicit and from the route rule). Each returns whether
// the check passed and, when a trace is asked for, appends its step.
import type { TraceStep } from "../schemas/simulate";
import type { CompiledPolicy } from "./compile";
import { matchAllowlist } from "./ip";
import type { RouteMatch } from "./routes";
import { missingScopes } from "./scopes";
import { describeTimeWindow, localTime, matchTimeWindows } from "./time";

export type Trace = TraceStep[] | undefined;

export function step(trace: Trace, rule: string, outcome: TraceStep["outcome"], detail: string): void {
  trace?.push({ rule, outcome, detail });
}

/** Every allowlist set at some level must hold the IP. */
export function checkIpAllowlists(policy: CompiledPolicy, ip: string, trace: Trace): boolean {
  if (policy.ipAllowlists.length === 0) {
    step(trace, "ip_allowlist", "skip", "No IP allowlist is set.");
    return true;
  }
  for (const { level, list } of policy.ipAllowlists) {
    const hit = matchAllowlist(list, ip);
    if (!hit) {
      step(
        trace,
        "ip_allowlist",
        "fail",
        `${ip} is not in the ${level} allowlist (${list.source.join(", ") || "empty"}).`,
      );
      return false;
    }
    step(trace, "ip_allowlist", "pass", `${ip} is in ${hit} (${level} allowlist).`);
  }
  return true;
}

/** At every level with time windows, one of its windows must hold `at`. */
export function checkTimeWindows(policy: CompiledPolicy, at: number, trace: Trace): boolean {
  if (policy.timeWindows.length === 0) {
    step(trace, "time_window", "skip", "No time window is set.");
    return true;
  }
  for (const { level, windows } of policy.timeWindows) {
    const hit = matchTimeWindows(windows, at);
    if (!hit) {
      if (trace) {
        const tz = windows[0].timeZone;
        const local = localTime(at, tz);
        const hhmm = `${String(Math.floor(local.minutes / 60)).padStart(2, "0")}:${String(local.minutes % 60).padStart(2, "0")}`;
        step(
          trace,
          "time_window",
          "fail",
          `${local.day} ${hhmm} ${tz} is outside the ${level} window${windows.length > 1 ? "s" : ""} ${windows.map(describeTimeWindow).join("; ")}.`,
        );
      }
      return false;
    }
    step(trace, "time_window", "pass", `Inside ${describeTimeWindow(hit)} (${level}).`);
  }
  return true;
}

/**
 * Scopes the caller lacks: the explicitly required ones, plus the route
 * rule's requirement (OpenAPI alternatives: the one needing the fewest
 * additional scopes is reported). Empty = allowed.
 */
export function checkScopes(
  granted: ReadonlySet<string>,
  explicit: readonly string[],
  route: RouteMatch,
  trace: Trace,
): string[] {
  const missing = explicit.length > 0 ? missingScopes(granted, explicit) : [];
  let routeMissing: string[] = [];
  const rule = route.kind === "route" ? route.rule : null;
  if (rule && !rule.anonymous && rule.security.length > 0) {
    let best: string[] | null = null;
    for (const alt of rule.security) {
      const m = missingScopes(granted, alt);
      if (!best || m.length < best.length) best = m;
      if (m.length === 0) break;
    }
    routeMissing = best ?? [];
  }
  for (const s of routeMissing) if (!missing.includes(s)) missing.push(s);
  if (trace) {
    const needed = [
      ...explicit,
      ...(rule && rule.security.length > 0 ? [rule.security.map((a) => a.join(" + ") || "(none)").join(" | ")] : []),
    ];
    if (needed.length === 0) step(trace, "scope", "skip", "No scope is required.");
    else if (missing.length > 0)
      step(trace, "scope", "fail", `Missing ${missing.join(", ")} (required: ${needed.join("; ")}).`);
    else step(trace, "scope", "pass", `Holds the required scopes (${needed.join("; ")}).`);
  }
  return missing;
}
