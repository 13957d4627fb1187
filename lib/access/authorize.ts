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

// Every result has every field, in one order (unset ones undefined): the
// code reading results (http.ts, proxy.ts) then sees one object shape, not one
// per combination of fields (V8 keeps such property reads monomorphic).
function done(ctx: Ctx, code: DecisionCode, decidedBy: string | null, extra?: Partial<AccessResult>): AccessResult {
  return {
    allow: code === "VALID" || code === "PUBLIC_ROUTE",
    code,
    status: DECISION_STATUS[code],
    decidedBy,
    key: extra?.key,
    token: extra?.token,
    missingScopes: extra?.missingScopes,
    route: ctx.route,
    retryAfter: extra?.retryAfter,
    rateLimit: extra?.rateLimit,
    trace: ctx.trace,
  };
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
    token: undefined,
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
  const policy = ctx.dp.clientPolicies.peek(t.clientId);
  if (policy) return evaluate(ctx, tokenSubject(t, policy));
  return ctx.dp.clientPolicies.get(t.clientId).then((p) => evaluate(ctx, tokenSubject(t, p)));
}

function tokenSubject(t: TokenRecord, policy: CompiledPolicy): Subject {
  return {
    key: undefined,
    token: t,
    counterId: t.clientId,
    counterLabel: "client",
    orgId: t.orgId,
    scopeSet: t.scopeSet,
    policy,
    usageCapped: false,
  };
}

/** Unauthenticated or failed: counted per client IP; over the limit the answer becomes 429. */
function perIp(ctx: Ctx, code: DecisionCode, extra: Partial<AccessResult> = {}): AccessResult | Promise<AccessResult> {
  const { limit, windowSeconds } = ctx.dp.ipLimit;
  const specs: CounterSpec[] = [{ name: "ip", subject: `ip:${ctx.req.ip}`, limit, windowSeconds }];
  const counted = ctx.dp.counters.countNow(specs, ctx.req.dryRun);
  if (counted) return perIpResult(ctx, code, extra, counted[0]);
  return ctx.dp.counters.count(specs, ctx.req.dryRun).then(([r]) => perIpResult(ctx, code, extra, r));
}

function perIpResult(ctx: Ctx, code: DecisionCode, extra: Partial<AccessResult>, r: CounterResult): AccessResult {
  const allowed = code === "PUBLIC_ROUTE";
  const { limit, windowSeconds } = r.spec;
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

/**
 * Rate limits, then quotas, then the usage cap. In memory the counters answer
 * synchronously (countNow) and so does the whole decision; on Redis each step
 * awaits its round trip (countedAsync). Both judge the results with the same
 * functions. (No per-call closures here: this runs per request.)
 */
function counted(ctx: Ctx, s: Subject, ids: Partial<AccessResult>): AccessResult | Promise<AccessResult> {
  const counters = ctx.dp.counters;
  if (counters.backend !== "memory") return countedAsync(ctx, s, ids);
  const dryRun = ctx.req.dryRun;
  const limits = limitsOf(s);
  let rateLimit: RateLimitHeaders | undefined;
  if (limits.rateSpecs.length > 0) {
    const r = rateStep(ctx, limits, counters.countNow(limits.rateSpecs, dryRun)!, ids);
    if ("allow" in r) return r;
    rateLimit = r;
  } else step(ctx.trace, "rate_limit", "skip", "No rate limit applies.");
  const quotaSpecs = quotaSpecsOf(ctx, s);
  if (quotaSpecs) {
    const denied = quotaStep(ctx, counters.countNow(quotaSpecs, dryRun)!, ids, rateLimit);
    if (denied) return denied;
  } else step(ctx.trace, "quota", "skip", "No quota applies.");
  return usageStep(ctx, s, ids, rateLimit);
}

async function countedAsync(ctx: Ctx, s: Subject, ids: Partial<AccessResult>): Promise<AccessResult> {
  const counters = ctx.dp.counters;
  const dryRun = ctx.req.dryRun;
  const limits = limitsOf(s);
  let rateLimit: RateLimitHeaders | undefined;
  if (limits.rateSpecs.length > 0) {
    const r = rateStep(ctx, limits, await counters.count(limits.rateSpecs, dryRun), ids);
    if ("allow" in r) return r;
    rateLimit = r;
  } else step(ctx.trace, "rate_limit", "skip", "No rate limit applies.");
  const quotaSpecs = quotaSpecsOf(ctx, s);
  if (quotaSpecs) {
    const denied = quotaStep(ctx, await counters.count(quotaSpecs, dryRun), ids, rateLimit);
    if (denied) return denied;
  } else step(ctx.trace, "quota", "skip", "No quota applies.");
  return usageStep(ctx, s, ids, rateLimit);
}

type RateLimitHeaders = NonNullable<AccessResult["rateLimit"]>;

/** The rate-limit step on its counters' results: a denial, or the RateLimit header values of the answer. */
function rateStep(
  ctx: Ctx,
  limits: PreparedLimits,
  results: CounterResult[],
  ids: Partial<AccessResult>,
): AccessResult | RateLimitHeaders {
  const rateLimit = { policy: limits.policyHeader, current: rateLimitHeader(results) };
  let denied: CounterResult[] | undefined;
  for (const r of results) if (!r.allowed) (denied ??= []).push(r);
  if (denied) {
    step(ctx.trace, "rate_limit", "fail", `Over ${denied.map(describeCounter).join(" and ")}.`);
    return done(ctx, "RATE_LIMITED", "rate_limit", { ...ids, rateLimit, retryAfter: retryAfterSeconds(denied) });
  }
  if (ctx.trace)
    step(ctx.trace, "rate_limit", "pass", results.map((r) => `${describeCounter(r)}: ${r.remaining} left`).join("; "));
  return rateLimit;
}

/** The subject's quota counters for the current calendar period; undefined when no quota applies. */
function quotaSpecsOf(ctx: Ctx, s: Subject): CounterSpec[] | undefined {
  const p = s.policy;
  if (!p.credentialQuota && !(p.orgQuota && s.orgId)) return undefined;
  const specs: CounterSpec[] = [];
  if (p.credentialQuota)
    specs.push(quotaSpec(`${s.counterLabel}-quota`, `c:${s.counterId}`, p.credentialQuota, ctx.at));
  if (p.orgQuota && s.orgId) specs.push(quotaSpec("org-quota", `o:${s.orgId}`, p.orgQuota, ctx.at));
  return specs;
}

/** The quota step: a denial, or undefined when every quota has room. */
function quotaStep(
  ctx: Ctx,
  results: CounterResult[],
  ids: Partial<AccessResult>,
  rateLimit: RateLimitHeaders | undefined,
): AccessResult | undefined {
  const denied = results.filter((r) => !r.allowed);
  if (denied.length > 0) {
    step(ctx.trace, "quota", "fail", `${denied.map(describeCounter).join(" and ")} used up.`);
    return done(ctx, "QUOTA_EXCEEDED", "quota", { ...ids, rateLimit, retryAfter: retryAfterSeconds(denied) });
  }
  if (ctx.trace)
    step(ctx.trace, "quota", "pass", results.map((r) => `${describeCounter(r)}: ${r.remaining} left`).join("; "));
  return undefined;
}

/** The usage cap (a database counter, so a promise when the key has one), then the allowed answer. */
function usageStep(
  ctx: Ctx,
  s: Subject,
  ids: Partial<AccessResult>,
  rateLimit: RateLimitHeaders | undefined,
): AccessResult | Promise<AccessResult> {
  if (s.usageCapped && s.key) return takeUse(ctx, s.key, ids, rateLimit);
  step(ctx.trace, "usage", "skip", "No usage cap.");
  return allowed(ctx, ids, rateLimit);
}

async function takeUse(
  ctx: Ctx,
  key: KeyRecord,
  ids: Partial<AccessResult>,
  rateLimit: RateLimitHeaders | undefined,
): Promise<AccessResult> {
  const { dp, req, trace } = ctx;
  const u = req.dryRun ? await dp.usage.peek(key.id) : await dp.usage.take(key.id);
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
  return allowed(ctx, ids, rateLimit);
}

function allowed(ctx: Ctx, ids: Partial<AccessResult>, rateLimit: RateLimitHeaders | undefined): AccessResult {
  const r = done(ctx, "VALID", null, ids);
  if (rateLimit) r.rateLimit = rateLimit;
  return r;
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
