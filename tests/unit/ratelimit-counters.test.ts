import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  calendarPeriod,
  Counters,
  rateLimitHeader,
  rateLimitPolicyHeader,
  retryAfterSeconds,
  type CounterResult,
  type CounterSpec,
} from "../../lib/ratelimit/counters";

// rate-limiter-flexible's memory store reads Date.now() and expires keys with setTimeout: both are faked,
// so windows can be minutes long and still be crossed instantly.
const T0 = Date.parse("2026-06-01T12:00:00.000Z");
beforeEach(() => {
  vi.useFakeTimers({ now: T0, toFake: ["Date", "setTimeout", "clearTimeout"] });
});
afterEach(() => {
  vi.useRealTimers();
});

let seq = 0;
/** A fresh Counters (its own prefix) so tests don't share limiter state. */
const counters = () => new Counters({ prefix: `test${++seq}` });
const spec = (over: Partial<CounterSpec> = {}): CounterSpec => ({
  name: "key-10s",
  subject: "k:key_1",
  limit: 3,
  windowSeconds: 10,
  ...over,
});

describe("Counters (memory)", () => {
  it("uses the memory backend without a Redis client", () => {
    expect(counters().backend).toBe("memory");
  });

  it("countNow answers synchronously what consume/peek answer, on the same counters", async () => {
    // Two fresh counter sets driven with the same calls: one through the
    // library's promise API, one through countNow; every answer must match.
    const viaLibrary = counters();
    const viaNow = counters();
    const specs = [
      spec({ limit: 3, windowSeconds: 10 }),
      spec({ name: "org-60s", subject: "o:1", limit: 4, windowSeconds: 60 }),
    ];
    for (let i = 0; i < 6; i++) {
      const expected = await viaLibrary.consume(specs);
      const got = viaNow.countNow(specs);
      expect(got).toEqual(expected);
      expect(viaNow.countNow(specs, true)).toEqual(await viaLibrary.peek(specs));
      // Both views of one set agree too: countNow counts in the library's own storage.
      expect(await viaNow.peek(specs)).toEqual(await viaLibrary.peek(specs));
      if (i === 3) vi.advanceTimersByTime(10_001); // the 10 s window resets, the 60 s one does not
    }
    const [key, org] = viaNow.countNow(specs)!;
    expect([key.allowed, key.remaining, org.allowed, org.remaining]).toEqual([true, 0, false, 0]);
  });

  it("countNow is undefined on Redis: the caller must await count()", () => {
    const c = new Counters({ prefix: "t", redis: {} as import("ioredis").Redis });
    expect(c.backend).toBe("redis");
    expect(c.countNow([spec()])).toBeUndefined();
  });

  it("allows exactly `limit` calls per window; remaining counts down; later calls are denied", async () => {
    const c = counters();
    const s = spec({ limit: 3, windowSeconds: 10 });
    const seen: [boolean, number][] = [];
    for (let i = 0; i < 5; i++) {
      const [r] = await c.consume([s]);
      expect(r.spec).toBe(s);
      seen.push([r.allowed, r.remaining]);
    }
    expect(seen).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
  });

  it("a denied consume reports a reset within the window, counting down with time", async () => {
    const c = counters();
    const s = spec({ limit: 1, windowSeconds: 10 });
    const [first] = await c.consume([s]);
    expect(first.allowed).toBe(true);
    expect(first.resetMs).toBeGreaterThan(0);
    expect(first.resetMs).toBeLessThanOrEqual(10_000);
    vi.advanceTimersByTime(4_000);
    const [denied] = await c.consume([s]);
    expect(denied.allowed).toBe(false);
    expect(denied.remaining).toBe(0);
    expect(denied.resetMs).toBeGreaterThan(0);
    expect(denied.resetMs).toBeLessThanOrEqual(6_000); // fixed window started at T0
  });

  it("the window resets: after windowSeconds calls are allowed again", async () => {
    const c = counters();
    const s = spec({ limit: 2, windowSeconds: 1 });
    await c.consume([s]);
    await c.consume([s]);
    expect((await c.consume([s]))[0].allowed).toBe(false);
    vi.advanceTimersByTime(999);
    expect((await c.consume([s]))[0].allowed).toBe(false);
    vi.advanceTimersByTime(2);
    const [r] = await c.consume([s]);
    expect(r).toMatchObject({ allowed: true, remaining: 1 });
  });

  it("peek() doesn't count", async () => {
    const c = counters();
    const s = spec({ limit: 2 });
    for (let i = 0; i < 5; i++) {
      const [p] = await c.peek([s]);
      expect(p).toMatchObject({ allowed: true, remaining: 2 });
    }
    await c.consume([s]);
    for (let i = 0; i < 3; i++) expect((await c.peek([s]))[0]).toMatchObject({ allowed: true, remaining: 1 });
    await c.consume([s]);
    expect((await c.peek([s]))[0]).toMatchObject({ allowed: false, remaining: 0 });
    // consume still agrees: the 3rd call is the first denied one.
    expect((await c.consume([s]))[0].allowed).toBe(false);
  });

  it("peek() on an untouched subject reports a full window", async () => {
    const [p] = await counters().peek([spec({ windowSeconds: 60 })]);
    expect(p).toMatchObject({ allowed: true, remaining: 3, resetMs: 60_000 });
  });

  it("subjects are counted independently, even with the same (limit, window)", async () => {
    const c = counters();
    const a = spec({ subject: "k:a", limit: 1 });
    const b = spec({ subject: "k:b", limit: 1 });
    expect((await c.consume([a]))[0].allowed).toBe(true);
    expect((await c.consume([a]))[0].allowed).toBe(false);
    expect((await c.consume([b]))[0].allowed).toBe(true);
    expect((await c.peek([b]))[0].remaining).toBe(0);
  });

  it("the same subject under different (limit, window) pairs are separate counters", async () => {
    const c = counters();
    const perSecond = spec({ name: "key-1s", limit: 1, windowSeconds: 1 });
    const perMinute = spec({ name: "key-60s", limit: 5, windowSeconds: 60 });
    expect((await c.consume([perSecond]))[0].remaining).toBe(0);
    expect((await c.consume([perMinute]))[0].remaining).toBe(4);
  });

  it("separate Counters instances (prefixes) don't share state", async () => {
    const s = spec({ limit: 1 });
    const a = counters();
    const b = counters();
    expect((await a.consume([s]))[0].allowed).toBe(true);
    expect((await b.consume([s]))[0].allowed).toBe(true);
  });

  it("several specs at once: each is counted, results in spec order, all counted even after a denial", async () => {
    const c = counters();
    const perSecond = spec({ name: "key-1s", subject: "k:1", limit: 2, windowSeconds: 1 });
    const perMinute = spec({ name: "key-60s", subject: "k:1", limit: 10, windowSeconds: 60 });
    const org = spec({ name: "org-60s", subject: "o:1", limit: 100, windowSeconds: 60 });
    const all = [perSecond, perMinute, org];
    const rounds: [string, boolean, number][][] = [];
    for (let i = 0; i < 3; i++) {
      rounds.push(
        (await c.consume(all)).map((r) => [r.spec.name, r.allowed, r.remaining] as [string, boolean, number]),
      );
    }
    expect(rounds).toEqual([
      [
        ["key-1s", true, 1],
        ["key-60s", true, 9],
        ["org-60s", true, 99],
      ],
      [
        ["key-1s", true, 0],
        ["key-60s", true, 8],
        ["org-60s", true, 98],
      ],
      [
        ["key-1s", false, 0],
        ["key-60s", true, 7], // the denied call still counts against the other windows
        ["org-60s", true, 97],
      ],
    ]);
  });

  it("empty spec list → no results", async () => {
    expect(await counters().consume([])).toEqual([]);
    expect(await counters().peek([])).toEqual([]);
  });

  it("calendar-aligned (quota) counters report the time until the period ends", async () => {
    const c = counters();
    const endsAt = T0 + 3 * 3_600_000;
    const q = spec({ name: "quota", subject: "q:k:1:2026-06-01", limit: 2, windowSeconds: 86_400, resetAt: endsAt });
    const [r] = await c.consume([q]);
    expect(r).toMatchObject({ allowed: true, remaining: 1, resetMs: 3 * 3_600_000 });
    vi.advanceTimersByTime(3_600_000);
    await c.consume([q]);
    const [denied] = await c.consume([q]);
    expect(denied).toMatchObject({ allowed: false, remaining: 0, resetMs: 2 * 3_600_000 });
    expect((await c.peek([q]))[0]).toMatchObject({ allowed: false, resetMs: 2 * 3_600_000 });
  });

  // Regression (was a bug): peek() on a subject with no record returns resetMs = windowSeconds * 1000 even when the
  // spec is calendar-aligned (resetAt set), while consume() on the same fresh subject reports resetAt − now.
  // peek() is documented as "what consume() would answer"; the simulator shows a wrong reset for quotas.
  it("peek() of an untouched calendar-aligned counter reports the time until the period ends", async () => {
    const endsAt = T0 + 90 * 60_000;
    const q = spec({ name: "quota", subject: "q:o:1:2026-06", limit: 5, windowSeconds: 31 * 86_400, resetAt: endsAt });
    const [p] = await counters().peek([q]);
    expect(p).toMatchObject({ allowed: true, remaining: 5, resetMs: 90 * 60_000 });
  });

  it("resetMs never goes negative once the period is over", async () => {
    const c = counters();
    const q = spec({ limit: 5, windowSeconds: 60, resetAt: T0 - 1000 });
    expect((await c.consume([q]))[0].resetMs).toBe(0);
  });
});

const result = (name: string, allowed: boolean, remaining: number, resetMs: number, limit = 10, windowSeconds = 1) =>
  ({ spec: { name, subject: "s", limit, windowSeconds }, allowed, remaining, resetMs }) satisfies CounterResult;

describe("rateLimitPolicyHeader", () => {
  it("lists every policy as an sf-string with q and w", () => {
    expect(
      rateLimitPolicyHeader([
        spec({ name: "key-1s", limit: 10, windowSeconds: 1 }),
        spec({ name: "org-60s", limit: 1000, windowSeconds: 60 }),
      ]),
    ).toBe('"key-1s";q=10;w=1, "org-60s";q=1000;w=60');
  });

  it("empty → empty string", () => {
    expect(rateLimitPolicyHeader([])).toBe("");
  });
});

describe("rateLimitHeader", () => {
  it("reports the counter with the fewest remaining calls, t rounded up to seconds", () => {
    expect(
      rateLimitHeader([
        result("key-1s", true, 7, 400),
        result("key-60s", true, 3, 12_100),
        result("org-60s", true, 50, 1),
      ]),
    ).toBe('"key-60s";r=3;t=13');
  });

  it("a denied counter wins and reports r=0", () => {
    expect(rateLimitHeader([result("key-60s", true, 0, 30_000), result("key-1s", false, 0, 250)])).toBe(
      '"key-1s";r=0;t=1',
    );
    expect(rateLimitHeader([result("key-1s", false, 0, 250), result("key-60s", true, 0, 30_000)])).toBe(
      '"key-1s";r=0;t=1',
    );
    expect(rateLimitHeader([result("key-1s", true, 5, 100), result("quota", false, 3, 7_200_000)])).toBe(
      '"quota";r=0;t=7200',
    );
  });

  it("ties keep the first listed", () => {
    expect(rateLimitHeader([result("a", true, 2, 1000), result("b", true, 2, 5000)])).toBe('"a";r=2;t=1');
  });

  it("t=0 when the reset is now", () => {
    expect(rateLimitHeader([result("a", true, 2, 0)])).toBe('"a";r=2;t=0');
  });

  it("no results → empty string", () => {
    expect(rateLimitHeader([])).toBe("");
  });
});

describe("retryAfterSeconds", () => {
  it("the longest wait among the denying counters, rounded up", () => {
    expect(
      retryAfterSeconds([result("a", false, 0, 1_500), result("b", false, 0, 4_001), result("c", true, 0, 60_000)]),
    ).toBe(5);
  });

  it("allowed counters don't count, however long their reset", () => {
    expect(retryAfterSeconds([result("a", false, 0, 2_000), result("b", true, 3, 3_600_000)])).toBe(2);
  });

  it("at least 1 second", () => {
    expect(retryAfterSeconds([result("a", false, 0, 0)])).toBe(1);
    expect(retryAfterSeconds([result("a", false, 0, 1)])).toBe(1);
    expect(retryAfterSeconds([])).toBe(1);
    expect(retryAfterSeconds([result("a", true, 0, 9_000)])).toBe(1);
  });
});

describe("calendarPeriod (UTC)", () => {
  const utc = (iso: string) => Date.parse(iso);

  it("day: key and the next UTC midnight", () => {
    expect(calendarPeriod("day", utc("2026-11-27T13:45:00Z"))).toEqual({
      key: "2026-11-27",
      endsAt: utc("2026-11-28T00:00:00Z"),
    });
  });

  it("day: the first and last millisecond of a day belong to it", () => {
    expect(calendarPeriod("day", utc("2026-03-05T00:00:00.000Z"))).toEqual({
      key: "2026-03-05",
      endsAt: utc("2026-03-06T00:00:00Z"),
    });
    expect(calendarPeriod("day", utc("2026-03-05T23:59:59.999Z"))).toEqual({
      key: "2026-03-05",
      endsAt: utc("2026-03-06T00:00:00Z"),
    });
  });

  it("day: UTC, not local time (a Berlin DST day is still 24 h long)", () => {
    expect(calendarPeriod("day", utc("2026-03-29T01:30:00+02:00"))).toEqual({
      key: "2026-03-28",
      endsAt: utc("2026-03-29T00:00:00Z"),
    });
  });

  it("day: month and year rollovers", () => {
    expect(calendarPeriod("day", utc("2026-04-30T12:00:00Z")).endsAt).toBe(utc("2026-05-01T00:00:00Z"));
    expect(calendarPeriod("day", utc("2026-12-31T23:59:59.999Z"))).toEqual({
      key: "2026-12-31",
      endsAt: utc("2027-01-01T00:00:00Z"),
    });
    expect(calendarPeriod("day", utc("2027-01-01T00:00:00Z")).key).toBe("2027-01-01");
  });

  it("day: leap years (Feb 29, 2028) and non-leap years (2027, 2100)", () => {
    expect(calendarPeriod("day", utc("2028-02-28T10:00:00Z")).endsAt).toBe(utc("2028-02-29T00:00:00Z"));
    expect(calendarPeriod("day", utc("2028-02-29T10:00:00Z"))).toEqual({
      key: "2028-02-29",
      endsAt: utc("2028-03-01T00:00:00Z"),
    });
    expect(calendarPeriod("day", utc("2027-02-28T10:00:00Z")).endsAt).toBe(utc("2027-03-01T00:00:00Z"));
    expect(calendarPeriod("day", utc("2100-02-28T10:00:00Z")).endsAt).toBe(utc("2100-03-01T00:00:00Z"));
  });

  it("month: key and the first of the next month", () => {
    expect(calendarPeriod("month", utc("2026-11-27T13:45:00Z"))).toEqual({
      key: "2026-11",
      endsAt: utc("2026-12-01T00:00:00Z"),
    });
    expect(calendarPeriod("month", utc("2026-01-01T00:00:00Z"))).toEqual({
      key: "2026-01",
      endsAt: utc("2026-02-01T00:00:00Z"),
    });
    expect(calendarPeriod("month", utc("2026-01-31T23:59:59.999Z")).endsAt).toBe(utc("2026-02-01T00:00:00Z"));
  });

  it("month: December rolls over to January of the next year", () => {
    expect(calendarPeriod("month", utc("2026-12-15T08:00:00Z"))).toEqual({
      key: "2026-12",
      endsAt: utc("2027-01-01T00:00:00Z"),
    });
  });

  it("month: February in leap and non-leap years", () => {
    expect(calendarPeriod("month", utc("2028-02-29T23:00:00Z"))).toEqual({
      key: "2028-02",
      endsAt: utc("2028-03-01T00:00:00Z"),
    });
    expect(calendarPeriod("month", utc("2027-02-10T00:00:00Z")).endsAt).toBe(utc("2027-03-01T00:00:00Z"));
  });

  it("month: UTC, not local time", () => {
    // 2026-07-01 01:00 in Berlin is still June in UTC.
    expect(calendarPeriod("month", utc("2026-07-01T01:00:00+02:00")).key).toBe("2026-06");
  });
});
