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

  it("keys live under the configured prefix (tests and deployments can share a Redis)", async () => {
    const c = new Counters({ redis: clients[0], prefix });
    await c.consume([{ name: "k", subject: "c:prefixed", limit: 5, windowSeconds: 30 }]);
    const keys = await clients[0].keys(`${prefix}:*c:prefixed`);
    expect(keys).toHaveLength(1);
    expect(await clients[0].pttl(keys[0])).toBeGreaterThan(25_000);
  });
});
