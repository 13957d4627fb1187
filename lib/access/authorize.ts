// authorize(): the one decision every data-plane path makes — /v1/verify,
// /authz, gateway mode and the simulator. Order: route → credential → IP →
// time → scopes → rate limits → quota → usage cap. Synchronous when nothing
// needs I/O (a cached credential whose policy has no counters); a promise
// otherwise. With `explain`, every rule evaluated leaves a trace step.
import { calendarPeriod, rateLimitHeader, rateLimitPolicyHeader, retryAfterSeconds } from "../ratelimit/counters";
import type { CounterResult, CounterSpec, Counters } from "../ratelimit/counters";
import type { CompiledPolicy } from "../policy/compile";
import { checkIpAllowlists, checkScopes, checkTimeWindows, step, type Trace } from "../policy/evaluate";
import type { RouteMatch, RouteTable } from "../policy/routes";
import type { TraceStep } from "../schemas/simulate";
import type { ClientPolicies } from "./client-policies";
import { decideCached, decideForRecord, decideFromStore } from "./decide";
import { looksLikeJwt, type JwtVerifier, type TokenDecision, type TokenRecord } from "./jwt";
import type { KeyStore } from "./key-store";
import type { Decision, DecisionCode, KeyRecord } from "./types";
import type { UsageCaps } from "./usage-cap";

export type AccessRequest = {
  /** The raw API key or JWT access token, or null when the call carried none. */
  credential: string | null;
  /** With `path`, selects the catalog's route rule. */
  method?: string | null;
  /** Request path without query string. */
  path?: string | null;
  /** `routes.match(method, path)` when the caller has it already (gateway mode): not matched twice. */
  route?: RouteMatch;
  /** Scopes the caller requires explicitly (on top of the route rule's). */
  scopes?: readonly string[];
  /** The client IP (already resolved through trusted proxies). */
  ip: string;
  /** Decision time (ms); default now. The simulator sets it. */
  at?: number;
  explain?: boolean;
  /** Evaluate counters without counting (the simulator). */
  dryRun?: boolean;
};

export type AccessResult = {
  allow: boolean;
  code: DecisionCode;
  /** The status /authz answers with. */
  status: number;
  /** The rule that denied; null when allowed. */
  decidedBy: string | null;
  key?: KeyRecord;
  token?: TokenRecord;
  missingScopes?: string[];
  route: RouteMatch;
  /** Seconds, for 429s. */
  retryAfter?: number;
  /** RateLimit-Policy / RateLimit header values when counters applied. */
  rateLimit?: { policy: string; current: string };
  trace?: TraceStep[];
};

export type AccessDeps = {
  store: KeyStore;
  jwt: JwtVerifier;
  routes: RouteTable;
  counters: Counters;
  usage: UsageCaps;
  clientPolicies: ClientPolicies;
  /** Per-IP limit on unauthenticated calls and failed credential checks. */
  ipLimit: { limit: number; windowSeconds: number };
};

export const DECISION_STATUS: Record<DecisionCode, number> = {
  VALID: 200,
  PUBLIC_ROUTE: 200,
  MISSING: 401,
  MALFORMED: 401,
  NOT_FOUND: 401,
  INVALID_TOKEN: 401,
  REVOKED: 401,
  EXPIRED: 401,
  ROUTE_NOT_FOUND: 404,
  IP_NOT_ALLOWED: 403,
  OUTSIDE_TIME_WINDOW: 403,
  INSUFFICIENT_SCOPE: 403,
  RATE_LIMITED: 429,
  QUOTA_EXCEEDED: 429,
  USAGE_EXHAUSTED: 429,
};

const NO_SCOPES: readonly string[] = [];
const NO_ROUTE: RouteMatch = { kind: "none" };
const QUOTA_WINDOW_SECONDS = { day: 2 * 86_400, month: 32 * 86_400 } as const;

type Ctx = { dp: AccessDeps; req: AccessRequest; at: number; trace: Trace; route: RouteMatch };

/** The authenticated caller, whatever the credential kind. */
type Subject = {
  key?: KeyRecord;
  token?: TokenRecord;
  /** Per-credential counters: the key id, or the OAuth client id. */
  counterId: string;
  counterLabel: "key" | "client";
  orgId: string | null;
  scopeSet: ReadonlySet<string>;
  policy: CompiledPolicy;
  usageCapped: boolean;
};

function done(ctx: Ctx, code: DecisionCode, decidedBy: string | null, extra?: Partial<AccessResult>): AccessResult {
  const r: AccessResult = {
    allow: code === "VALID" || code === "PUBLIC_ROUTE",
    code,
    status: DECISION_STATUS[code],
    decidedBy,
    route: ctx.route,
  };
  if (extra) Object.assign(r, extra);
  if (ctx.trace) r.trace = ctx.trace;
  return r;
}

/** The route step; an AccessResult when it already decides (unknown operation). */
function begin(dp: AccessDeps, req: AccessRequest): Ctx | AccessResult {
  const ctx: Ctx = { dp, req, at: req.at ?? Date.now(), trace: req.explain ? [] : undefined, route: NO_ROUTE };
  if (req.path != null && dp.routes.size > 0) {
    const method = (req.method ?? "GET").toUpperCase();
    ctx.route = req.route ?? dp.routes.match(method, req.path);
    const route = ctx.route;
    if (route.kind === "unknown_route") {
      step(ctx.trace, "route", "fail", `${method} ${req.path} is not an operation of ${route.api.name}.`);
      return done(ctx, "ROUTE_NOT_FOUND", "route");
    }
    if (ctx.trace) {
      if (route.kind === "none") step(ctx.trace, "route", "skip", `${req.path} is under no API in the catalog.`);
      else if (!route.rule) step(ctx.trace, "route", "pass", `${route.api.name} (no route rules).`);
      else
        step(
          ctx.trace,
          "route",
          "pass",
          `${route.api.name}: ${route.rule.method} ${route.rule.pathTemplate}${route.rule.operationId ? ` (${route.rule.operationId})` : ""}${route.rule.anonymous ? ", public" : ""}.`,
        );
    }
  } else {
    step(ctx.trace, "route", "skip", req.path == null ? "No method/path given." : "The catalog has no APIs.");
  }
  return ctx;
}

export function authorize(dp: AccessDeps, req: AccessRequest): AccessResult | Promise<AccessResult> {
  const ctx = begin(dp, req);
  if (!("dp" in ctx)) return ctx;
  const credential = req.credential;
  if (!credential) {
    if (ctx.route.kind === "route" && ctx.route.rule?.anonymous) {
      step(ctx.trace, "credential", "skip", "Public operation: no credential needed.");
      return perIp(ctx, "PUBLIC_ROUTE");
    }
    step(ctx.trace, "credential", "fail", "No credential (Authorization: Bearer … or X-API-Key).");
    return perIp(ctx, "MISSING");
  }
  if (looksLikeJwt(credential)) {
    const cached = dp.jwt.peek(credential, NO_SCOPES, ctx.at);
    if (cached) return fromToken(ctx, cached);
    return dp.jwt.verify(credential, NO_SCOPES, ctx.at).then((d) => fromToken(ctx, d));
  }
  const input = { credential, requiredScopes: NO_SCOPES, now: ctx.at };
  const cached = decideCached(dp.store, input);
  if (cached) return fromKey(ctx, cached);
  return decideFromStore(dp.store, input).then((d) => fromKey(ctx, d));
}

/** The same decision for an API key record already in hand (the simulator picks keys by id, without the secret). */
export function authorizeKeyRecord(
  dp: AccessDeps,
  record: KeyRecord,
  req: Omit<AccessRequest, "credential">,
): AccessResult | Promise<AccessResult> {
  const ctx = begin(dp, { ...req, credential: null });
  if (!("dp" in ctx)) return ctx;
  return fromKey(ctx, decideForRecord(record, NO_SCOPES, ctx.at));
}

function fromKey(ctx: Ctx, d: Decision): AccessResult | Promise<AccessResult> {
  if (!d.allow) {
    step(ctx.trace, "credential", "fail", `API key ${d.code.toLowerCase().replace(/_/g, " ")}.`);
    return perIp(ctx, d.code, d.key ? { key: d.key } : {});
  }
  const k = d.key;
  step(ctx.trace, "credential", "pass", `API key ${k.id} (${k.environment}), organization ${k.orgId}.`);
  return evaluate(ctx, {
    key: k,
    counterId: k.id,
    counterLabel: "key",
    orgId: k.orgId,
    scopeSet: k.scopeSet,
    policy: k.policy,
    usageCapped: k.usageCapped,
  });
}

function fromToken(ctx: Ctx, d: TokenDecision): AccessResult | Promise<AccessResult> {
  if (!d.allow) {
    step(ctx.trace, "credential", "fail", `Access token ${d.code.toLowerCase().replace(/_/g, " ")}.`);
    return perIp(ctx, d.code === "INSUFFICIENT_SCOPE" ? "INVALID_TOKEN" : d.code);
  }
  const t = d.token;
  step(ctx.trace, "credential", "pass", `OAuth access token of client ${t.clientId} for ${t.sub}.`);
  const subject = (policy: CompiledPolicy): Subject => ({
    token: t,
    counterId: t.clientId,
    counterLabel: "client",
    orgId: t.orgId,
    scopeSet: t.scopeSet,
    policy,
    usageCapped: false,
  });
  const policy = ctx.dp.clientPolicies.peek(t.clientId);
  if (policy) return evaluate(ctx, subject(policy));
  return ctx.dp.clientPolicies.get(t.clientId).then((p) => evaluate(ctx, subject(p)));
}

/** Unauthenticated or failed: counted per client IP; over the limit the answer becomes 429. */
async function perIp(ctx: Ctx, code: DecisionCode, extra: Partial<AccessResult> = {}): Promise<AccessResult> {
  const allowed = code === "PUBLIC_ROUTE";
  const { limit, windowSeconds } = ctx.dp.ipLimit;
  const spec: CounterSpec = { name: "ip", subject: `ip:${ctx.req.ip}`, limit, windowSeconds };
  const [r] = ctx.req.dryRun ? await ctx.dp.counters.peek([spec]) : await ctx.dp.counters.consume([spec]);
  const what = allowed ? "unauthenticated calls" : "failed credential checks";
  if (!r.allowed) {
    step(ctx.trace, "ip_rate_limit", "fail", `${ctx.req.ip} is over ${limit} ${what} per ${windowSeconds}s.`);
    return done(ctx, "RATE_LIMITED", "ip_rate_limit", { ...extra, retryAfter: retryAfterSeconds([r]) });
  }
  step(
    ctx.trace,
    "ip_rate_limit",
    "pass",
    `${r.remaining} of ${limit} ${what} per ${windowSeconds}s left for ${ctx.req.ip}.`,
  );
  return done(ctx, code, allowed ? null : "credential", extra);
}

function evaluate(ctx: Ctx, s: Subject): AccessResult | Promise<AccessResult> {
  const ids: Partial<AccessResult> = s.key ? { key: s.key } : { token: s.token };
  const p = s.policy;
  if (!checkIpAllowlists(p, ctx.req.ip, ctx.trace)) return done(ctx, "IP_NOT_ALLOWED", "ip_allowlist", ids);
  if (!checkTimeWindows(p, ctx.at, ctx.trace)) return done(ctx, "OUTSIDE_TIME_WINDOW", "time_window", ids);
  const missing = checkScopes(s.scopeSet, ctx.req.scopes ?? NO_SCOPES, ctx.route, ctx.trace);
  if (missing.length > 0) return done(ctx, "INSUFFICIENT_SCOPE", "scope", { ...ids, missingScopes: missing });
  if (p.countersFree && !s.usageCapped) {
    if (ctx.trace) {
      step(ctx.trace, "rate_limit", "skip", "No rate limit applies.");
      step(ctx.trace, "quota", "skip", "No quota applies.");
      step(ctx.trace, "usage", "skip", "No usage cap.");
    }
    return done(ctx, "VALID", null, ids);
  }
  return counted(ctx, s, ids);
}

/** A subject's rate-limit counters and header, built once per compiled policy (one per key record or client). */
type PreparedLimits = { rateSpecs: CounterSpec[]; policyHeader: string };
const preparedLimits = new WeakMap<CompiledPolicy, PreparedLimits>();

function limitsOf(s: Subject): PreparedLimits {
  let p = preparedLimits.get(s.policy);
  if (!p) {
    const rateSpecs: CounterSpec[] = [];
    for (const l of s.policy.credentialLimits) {
      rateSpecs.push({ name: `${s.counterLabel}-${l.windowSeconds}s`, subject: `c:${s.counterId}`, ...l });
    }
    if (s.orgId) {
      for (const l of s.policy.orgLimits)
        rateSpecs.push({ name: `org-${l.windowSeconds}s`, subject: `o:${s.orgId}`, ...l });
    }
    p = { rateSpecs, policyHeader: rateLimitPolicyHeader(rateSpecs) };
    preparedLimits.set(s.policy, p);
  }
  return p;
}

async function counted(ctx: Ctx, s: Subject, ids: Partial<AccessResult>): Promise<AccessResult> {
  const { dp, req, trace } = ctx;
  const p = s.policy;
  // (No per-call closures here: this runs per request.)
  const { rateSpecs, policyHeader } = limitsOf(s);
  let rateLimit: AccessResult["rateLimit"];
  if (rateSpecs.length > 0) {
    const results = req.dryRun ? await dp.counters.peek(rateSpecs) : await dp.counters.consume(rateSpecs);
    rateLimit = { policy: policyHeader, current: rateLimitHeader(results) };
    let denied: CounterResult[] | undefined;
    for (const r of results) if (!r.allowed) (denied ??= []).push(r);
    if (denied) {
      step(trace, "rate_limit", "fail", `Over ${denied.map(describeCounter).join(" and ")}.`);
      return done(ctx, "RATE_LIMITED", "rate_limit", { ...ids, rateLimit, retryAfter: retryAfterSeconds(denied) });
    }
    if (trace)
      step(trace, "rate_limit", "pass", results.map((r) => `${describeCounter(r)}: ${r.remaining} left`).join("; "));
  } else step(trace, "rate_limit", "skip", "No rate limit applies.");

  if (p.credentialQuota || (p.orgQuota && s.orgId)) {
    const quotaSpecs: CounterSpec[] = [];
    if (p.credentialQuota) {
      quotaSpecs.push(quotaSpec(`${s.counterLabel}-quota`, `c:${s.counterId}`, p.credentialQuota, ctx.at));
    }
    if (p.orgQuota && s.orgId) quotaSpecs.push(quotaSpec("org-quota", `o:${s.orgId}`, p.orgQuota, ctx.at));
    const results = req.dryRun ? await dp.counters.peek(quotaSpecs) : await dp.counters.consume(quotaSpecs);
    const denied = results.filter((r) => !r.allowed);
    if (denied.length > 0) {
      step(trace, "quota", "fail", `${denied.map(describeCounter).join(" and ")} used up.`);
      return done(ctx, "QUOTA_EXCEEDED", "quota", { ...ids, rateLimit, retryAfter: retryAfterSeconds(denied) });
    }
    if (trace)
      step(trace, "quota", "pass", results.map((r) => `${describeCounter(r)}: ${r.remaining} left`).join("; "));
  } else step(trace, "quota", "skip", "No quota applies.");

  if (s.usageCapped && s.key) {
    const u = req.dryRun ? await dp.usage.peek(s.key.id) : await dp.usage.take(s.key.id);
    if (!u.allowed) {
      step(trace, "usage", "fail", "No uses remaining on this key.");
      return done(ctx, "USAGE_EXHAUSTED", "usage", { ...ids, rateLimit });
    }
    if (trace)
      step(
        trace,
        "usage",
        "pass",
        `${u.remaining ?? "unlimited"} uses remaining${req.dryRun ? " (before this call)" : ""}.`,
      );
  } else step(trace, "usage", "skip", "No usage cap.");

  if (s.key) return done(ctx, "VALID", null, { key: s.key, rateLimit });
  return done(ctx, "VALID", null, { token: s.token, rateLimit });
}

function quotaSpec(
  name: string,
  subject: string,
  q: { limit: number; period: "day" | "month" },
  at: number,
): CounterSpec {
  const period = calendarPeriod(q.period, at);
  return {
    name,
    subject: `q:${subject}:${period.key}`,
    limit: q.limit,
    windowSeconds: QUOTA_WINDOW_SECONDS[q.period],
    resetAt: period.endsAt,
  };
}

function describeCounter(r: CounterResult): string {
  const s = r.spec;
  if (s.resetAt !== undefined)
    return `${s.name} ${s.limit}/${s.windowSeconds === QUOTA_WINDOW_SECONDS.day ? "day" : "month"}`;
  return `${s.name} ${s.limit}/${s.windowSeconds}s`;
}
