// Request counters for rate limits and quotas, on rate-limiter-flexible: in
// memory by default, on Redis when a client is given (its consume is one
// atomic Lua script, so every instance sharing the Redis counts exactly).
// A limiter instance holds one (limit, window); instances are made on demand
// and shared by every subject with that pair.
//
// On Redis, calls to one counter coalesce: while one consume of a counter is
// in flight, the calls that arrive for it wait and then go as one consume of
// n points (the library's own consume(key, n): one atomic INCRBY n in its
// script). The reply gives the counter's value after all n, so the calls in
// the batch take the positions value-n+1 … value in arrival order — exactly
// what n separate increments would have given them, so every instance still
// counts exactly (tests/integration/ratelimit-redis.test.ts). Under load this
// turns one Redis write per call into one per round trip per hot counter: the
// write syscall was the largest single cost of a Redis-counted call
// (bench/README.md, session 6). An idle counter's first call goes at once.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

export type CounterSpec = {
  /** Header name of the policy, e.g. "key-1s" (an sf-string in RateLimit-Policy). */
  name: string;
  /** What is counted, e.g. "k:<key id>", "o:<org id>", "q:k:<key id>:2026-11". */
  subject: string;
  limit: number;
  windowSeconds: number;
  /** Calendar-aligned counters (quotas): when the period ends (epoch ms); the subject names the period. */
  resetAt?: number;
};

export type CounterResult = { spec: CounterSpec; allowed: boolean; remaining: number; resetMs: number };

export type CountersOptions = {
  /** ioredis client; unset → in-memory counters (one process). */
  redis?: import("ioredis").Redis;
  prefix: string;
};

/**
 * Specs are prepared once per policy (lib/access/authorize.ts): remember each
 * one's limiter and its storage key. The key is the limiter's own
 * `getKey(subject)`, built once: a string concatenated per call had to be
 * flattened and hashed on every counter lookup (~0.5 µs a call in a profile).
 */
const limiterOf = new WeakMap<CounterSpec, Counted>();
type Counted = { owner: Counters; limiter: RateLimiterAbstract; key: string };

const MAX_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** Calls to one Redis counter that arrived while a consume of it was in flight, in arrival order. */
type Lane = {
  limiter: RateLimiterAbstract;
  subject: string;
  waiting: { spec: CounterSpec; resolve: (r: CounterResult) => void; reject: (e: unknown) => void }[];
};

export class Counters {
  private readonly limiters = new Map<string, RateLimiterAbstract>();
  /** Redis counters with a consume in flight, by their Redis key (Lane.waiting may be empty). */
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly opts: CountersOptions) {}

  get backend(): "memory" | "redis" {
    return this.opts.redis ? "redis" : "memory";
  }

  private counted(spec: CounterSpec): Counted {
    const cached = limiterOf.get(spec);
    if (cached?.owner === this) return cached;
    const id = `${spec.limit}:${spec.windowSeconds}`;
    let l = this.limiters.get(id);
    if (!l) {
      const base = { keyPrefix: `${this.opts.prefix}:rl:${id}`, points: spec.limit, duration: spec.windowSeconds };
      // In memory, expiry is a timer: Node caps those at ~24.8 days. Longer
      // windows are calendar quotas whose subject names its period, so their
      // counters may simply never expire there (one small entry per period).
      const memory = new RateLimiterMemory({
        ...base,
        duration: spec.windowSeconds > MAX_TIMER_SECONDS ? 0 : spec.windowSeconds,
      });
      // On a Redis outage the insurance limiter keeps counting in memory (per
      // instance) instead of failing every call.
      l = this.opts.redis
        ? new RateLimiterRedis({ ...base, storeClient: this.opts.redis, insuranceLimiter: memory })
        : memory;
      this.limiters.set(id, l);
    }
    const counted = { owner: this, limiter: l, key: l.getKey(spec.subject) };
    limiterOf.set(spec, counted);
    return counted;
  }

  /** The answer for the call that brought the counter to `consumed` (≤ the value in `res`). */
  private at(
    spec: CounterSpec,
    res: RateLimiterRes,
    consumed: number,
    allowed = consumed <= spec.limit,
  ): CounterResult {
    const resetMs = spec.resetAt !== undefined ? Math.max(0, spec.resetAt - Date.now()) : Math.max(0, res.msBeforeNext);
    return { spec, allowed, remaining: Math.max(0, spec.limit - consumed), resetMs };
  }

  /** The library's consume of `points`; over the limit it rejects with the counter's state, which is an answer too. */
  private static async take(limiter: RateLimiterAbstract, subject: string, points: number): Promise<RateLimiterRes> {
    try {
      return await limiter.consume(subject, points);
    } catch (e) {
      if (e instanceof RateLimiterRes) return e;
      throw e;
    }
  }

  // An async method rather than .then() callbacks: no closure is created per
  // call (this runs for every rate-limited request on Redis); only a call that
  // waits in a lane makes its promise.
  private async consumeOne(spec: CounterSpec): Promise<CounterResult> {
    const { limiter, key } = this.counted(spec);
    const coalesce = this.opts.redis !== undefined;
    if (coalesce) {
      const lane = this.lanes.get(key);
      if (lane) return new Promise((resolve, reject) => lane.waiting.push({ spec, resolve, reject }));
      this.lanes.set(key, { limiter, subject: spec.subject, waiting: [] });
    }
    try {
      const res = await Counters.take(limiter, spec.subject, 1);
      return this.at(spec, res, res.consumedPoints);
    } finally {
      if (coalesce) this.next(key);
    }
  }

  /** The consume of `key` came back: send what waited for it as one consume, or close the lane. */
  private next(key: string): void {
    const lane = this.lanes.get(key)!;
    const batch = lane.waiting;
    if (batch.length === 0) {
      this.lanes.delete(key);
      return;
    }
    lane.waiting = [];
    Counters.take(lane.limiter, lane.subject, batch.length).then(
      (res) => {
        const first = res.consumedPoints - batch.length + 1;
        for (let i = 0; i < batch.length; i++) batch[i].resolve(this.at(batch[i].spec, res, first + i));
        this.next(key);
      },
      (e: unknown) => {
        for (const w of batch) w.reject(e);
        this.next(key);
      },
    );
  }

  /** Counts one call against every spec (all of them, even after a denial: a denied call still arrived). */
  async consume(specs: readonly CounterSpec[]): Promise<CounterResult[]> {
    if (specs.length === 1) return [await this.consumeOne(specs[0])];
    return Promise.all(specs.map((spec) => this.consumeOne(spec)));
  }

  /** What consume() would answer, without counting (the simulator). */
  peek(specs: readonly CounterSpec[]): Promise<CounterResult[]> {
    return Promise.all(
      specs.map(async (spec) => this.peekResult(spec, await this.counted(spec).limiter.get(spec.subject))),
    );
  }

  private peekResult(spec: CounterSpec, res: RateLimiterRes | null): CounterResult {
    if (!res) {
      const resetMs = spec.resetAt !== undefined ? Math.max(0, spec.resetAt - Date.now()) : spec.windowSeconds * 1000;
      return { spec, allowed: true, remaining: spec.limit, resetMs };
    }
    return this.at(spec, res, res.consumedPoints, res.consumedPoints < spec.limit);
  }

  /** consume(), or peek() when `dryRun`. */
  count(specs: readonly CounterSpec[], dryRun = false): Promise<CounterResult[]> {
    return dryRun ? this.peek(specs) : this.consume(specs);
  }

  /**
   * count() without a promise when the counters are in memory (the hot path:
   * the decision then stays synchronous); undefined on Redis — call count().
   *
   * It counts in the memory limiter's own storage, exactly as the library's
   * consume()/get() do (same records, same expiry timers; consume() without
   * block or execEvenly options, which we never set, is `incrby` and a
   * comparison): only the promise the library wraps around it is skipped. A
   * unit test holds the two to the same answers.
   */
  countNow(specs: readonly CounterSpec[], dryRun = false): CounterResult[] | undefined {
    if (this.opts.redis) return undefined;
    const results: CounterResult[] = [];
    for (const spec of specs) {
      const { limiter, key } = this.counted(spec);
      const storage = (limiter as unknown as { _memoryStorage: MemoryStorage })._memoryStorage;
      if (dryRun) {
        results.push(this.peekResult(spec, storage.get(key)));
        continue;
      }
      const res = storage.incrby(key, 1, limiter.duration);
      results.push(this.at(spec, res, res.consumedPoints));
    }
    return results;
  }
}

/** The part of rate-limiter-flexible's MemoryStorage (lib/component/MemoryStorage) countNow() uses. */
type MemoryStorage = {
  incrby(key: string, value: number, durationSec: number): RateLimiterRes;
  get(key: string): RateLimiterRes | null;
};

/** `RateLimit-Policy` (draft-ietf-httpapi-ratelimit-headers): `"key-1s";q=10;w=1, "org-60s";q=1000;w=60`. */
export function rateLimitPolicyHeader(specs: readonly CounterSpec[]): string {
  return specs.map((s) => `"${s.name}";q=${s.limit};w=${s.windowSeconds}`).join(", ");
}

/** `RateLimit`: the counter closest to its limit, `"key-1s";r=3;t=1` (r remaining, t seconds to reset). */
export function rateLimitHeader(results: readonly CounterResult[]): string {
  let tightest: CounterResult | undefined;
  for (const r of results) {
    if (!tightest || r.remaining < tightest.remaining || (!r.allowed && tightest.allowed)) tightest = r;
  }
  if (!tightest) return "";
  return `"${tightest.spec.name}";r=${tightest.allowed ? tightest.remaining : 0};t=${Math.ceil(tightest.resetMs / 1000)}`;
}

/** Seconds until every denying counter lets a call through again (≥ 1). */
export function retryAfterSeconds(results: readonly CounterResult[]): number {
  let ms = 0;
  for (const r of results) if (!r.allowed && r.resetMs > ms) ms = r.resetMs;
  return Math.max(1, Math.ceil(ms / 1000));
}

/** Start of the next UTC day or month after `at`, and the period's key ("2026-11-27" / "2026-11"). */
export function calendarPeriod(period: "day" | "month", at: number): { key: string; endsAt: number } {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (period === "day") {
    const day = d.getUTCDate();
    return {
      key: `${y}-${String(m + 1).padStart(2, "0")}-${String(day).padStart(2, "0")}`,
      endsAt: Date.UTC(y, m, day + 1),
    };
  }
  return { key: `${y}-${String(m + 1).padStart(2, "0")}`, endsAt: Date.UTC(y, m + 1, 1) };
}
