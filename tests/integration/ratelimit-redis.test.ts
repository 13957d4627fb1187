// Counters on a real Redis (TEST_REDIS_URL): two independent clients — as two
// data-plane processes would have — share one limit exactly.
import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Counters, type CounterSpec } from "../../lib/ratelimit/counters";

const url = process.env.TEST_REDIS_URL;
const prefix = `gatehouse-test-${randomBytes(4).toString("hex")}`;
let clients: Redis[] = [];

describe.skipIf(!url)("rate-limit counters on Redis", () => {
  beforeAll(async () => {
    clients = [new Redis(url!), new Redis(url!)];
    await Promise.all(clients.map((c) => c.ping()));
  });
  afterAll(async () => {
    const keys = await clients[0].keys(`${prefix}:*`);
    if (keys.length) await clients[0].del(...keys);
    clients.forEach((c) => c.disconnect());
  });

  it("two clients, 1500 concurrent consumes, limit 500 → exactly 500 allowed", async () => {
    const [a, b] = clients.map((redis) => new Counters({ redis, prefix }));
    const spec: CounterSpec = { name: "key-60s", subject: "c:accuracy", limit: 500, windowSeconds: 60 };
    const results = await Promise.all(
      Array.from({ length: 1500 }, (_, i) => (i % 2 ? a : b).consume([spec]).then(([r]) => r)),
    );
    expect(results.filter((r) => r.allowed)).toHaveLength(500);
    // Remaining counts down to 0 across both clients; peek agrees and counts nothing.
    expect(Math.min(...results.map((r) => r.remaining))).toBe(0);
    const [peeked] = await a.peek([spec]);
    expect(peeked.allowed).toBe(false);
    expect(a.backend).toBe("redis");
  });

  it("calls to one counter coalesce while one is in flight, keeping arrival order and exact counts", async () => {
    const redis = new Redis(url!);
    let sent = 0;
    const send = redis.sendCommand.bind(redis);
    redis.sendCommand = ((...args: Parameters<typeof send>) => {
      sent++;
      return send(...args);
    }) as typeof send;
    try {
      await redis.ping(); // the connection's own commands (ready check, client info) are not counted
      sent = 0;
      const c = new Counters({ redis, prefix });
      const hot: CounterSpec = { name: "key-60s", subject: "c:coalesce", limit: 100, windowSeconds: 60 };
      const other: CounterSpec = { ...hot, subject: "c:coalesce-other" };
      const [results, [alone]] = await Promise.all([
        Promise.all(Array.from({ length: 300 }, () => c.consume([hot]).then(([r]) => r))),
        c.consume([other]), // another counter does not wait for the hot one
      ]);
      // The first call goes alone, the 299 behind it as one consume: call i is the counter's (i+1)-th.
      expect(results.map((r) => r.allowed)).toEqual(results.map((_, i) => i < 100));
      expect(results.map((r) => r.remaining)).toEqual(results.map((_, i) => Math.max(0, 99 - i)));
      expect(alone).toMatchObject({ allowed: true, remaining: 99 });
      // hot: 1 + 1 consumes, other: 1 (each EVALSHA, plus an EVAL if the script was not loaded yet).
      expect(sent).toBeGreaterThanOrEqual(3);
      expect(sent).toBeLessThanOrEqual(6);
      const [state] = await c.peek([hot]);
      expect(state.remaining).toBe(0);
      expect(await redis.get(`${prefix}:rl:100:60:c:coalesce`)).toBe("300");
      // Once the lane is idle, the next call goes at once and continues the count.
      const [after] = await c.consume([hot]);
      expect(after).toMatchObject({ allowed: false, remaining: 0 });
      expect(await redis.get(`${prefix}:rl:100:60:c:coalesce`)).toBe("301");
    } finally {
      redis.disconnect();
    }
  });

  it("keys live under the configured prefix (tests and deployments can share a Redis)", async () => {
    const c = new Counters({ redis: clients[0], prefix });
    await c.consume([{ name: "k", subject: "c:prefixed", limit: 5, windowSeconds: 30 }]);
    const keys = await clients[0].keys(`${prefix}:*c:prefixed`);
    expect(keys).toHaveLength(1);
    expect(await clients[0].pttl(keys[0])).toBeGreaterThan(25_000);
  });
});
