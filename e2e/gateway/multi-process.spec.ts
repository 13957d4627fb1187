// Two data-plane processes on one PostgreSQL and one Redis, as deployed at
// scale: changes made through the management API reach both within 1 s
// (LISTEN/NOTIFY), and a rate limit shared through Redis counts exactly.
import http from "node:http";
import { randomBytes } from "node:crypto";
import { expect, test } from "@playwright/test";
import { createKey, managementToken, newDeveloper } from "../fixtures";
import { startGateway, type GatewayProcess } from "../support/gateway-process";

const realDb = Boolean(process.env.E2E_DATABASE_URL);
const redisUrl = process.env.TEST_REDIS_URL;

test.describe.configure({ mode: "serial" });
test.skip(!realDb, "needs the e2e server on a real PostgreSQL (TEST_DATABASE_URL): the embedded one is single-process");

let gateways: GatewayProcess[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  if (process.env.CI && !redisUrl) throw new Error("CI must set TEST_REDIS_URL (the Redis on this machine)");
  const prefix = `gatehouse-e2e-${randomBytes(4).toString("hex")}`;
  const env: Record<string, string> = { GATEHOUSE_REDIS_PREFIX: prefix, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) };
  gateways = await Promise.all([startGateway(env), startGateway(env)]);
});
test.afterAll(async () => {
  await Promise.all(gateways.map((g) => g.stop()));
});

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** POST /v1/verify on one gateway; resolves to the decision code. */
function verifyOn(base: string, key: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ key });
    const req = http.request(
      `${base}/v1/verify`,
      {
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve((JSON.parse(text) as { code: string }).code));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Polls every gateway until `done(code)` holds on all of them; the time it took (ms). */
async function untilAll(key: string, done: (code: string) => boolean, since: number): Promise<number[]> {
  return Promise.all(
    gateways.map(async (g) => {
      for (;;) {
        if (done(await verifyOn(g.url, key))) return Date.now() - since;
        if (Date.now() - since > 5_000) return Infinity;
        await new Promise((r) => setTimeout(r, 5));
      }
    }),
  );
}

test("revoking a key through the management API reaches both data-plane processes within 1 s", async () => {
  const dev = await newDeveloper("multi");
  const token = await managementToken(dev);
  const { id, key } = await createKey(dev.request, token);
  // Both processes have the key cached as valid.
  for (const g of gateways) expect(await verifyOn(g.url, key)).toBe("VALID");

  const t0 = Date.now();
  const res = await dev.request.delete(`/api/v1/keys/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(200);
  const took = await untilAll(key, (c) => c === "REVOKED", t0);
  console.log(`revocation reached both gateways in ${took.join(" ms and ")} ms (from the DELETE request)`);
  for (const ms of took) expect(ms).toBeLessThanOrEqual(1_000);
});

test("changing a key's policy through the management API reaches both processes within 1 s", async () => {
  const dev = await newDeveloper("multi");
  const token = await managementToken(dev);
  const { id, key } = await createKey(dev.request, token);
  for (const g of gateways) expect(await verifyOn(g.url, key)).toBe("VALID");

  const t0 = Date.now();
  const res = await dev.request.patch(`/api/v1/keys/${id}`, {
    headers: { authorization: `Bearer ${token}` },
    data: { ipAllowlist: ["203.0.113.0/24"] },
  });
  expect(res.status()).toBe(200);
  const took = await untilAll(key, (c) => c === "IP_NOT_ALLOWED", t0);
  console.log(`policy change reached both gateways in ${took.join(" ms and ")} ms`);
  for (const ms of took) expect(ms).toBeLessThanOrEqual(1_000);
});

test("a rate limit shared through Redis: two processes, 3000 concurrent calls, limit 1000 → allowed within 0.1 %", async () => {
  test.skip(!redisUrl, "needs TEST_REDIS_URL (e.g. redis://127.0.0.1:6379)");
  test.setTimeout(120_000);
  const dev = await newDeveloper("limits");
  const token = await managementToken(dev);
  const { id, key } = await createKey(dev.request, token);
  const limit = 1_000;
  const res = await dev.request.patch(`/api/v1/keys/${id}`, {
    headers: { authorization: `Bearer ${token}` },
    data: { rateLimits: [{ limit, windowSeconds: 600 }] },
  });
  expect(res.status()).toBe(200);
  // Let both processes drop the old record (NOTIFY) before counting starts.
  await new Promise((r) => setTimeout(r, 300));

  const n = 3_000;
  const codes = await Promise.all(Array.from({ length: n }, (_, i) => verifyOn(gateways[i % 2].url, key)));
  const allowed = codes.filter((c) => c === "VALID").length;
  const limited = codes.filter((c) => c === "RATE_LIMITED").length;
  console.log(`rate limit ${limit}: ${allowed} allowed, ${limited} limited of ${n} (two processes, Redis)`);
  expect(allowed + limited).toBe(n);
  expect(Math.abs(allowed - limit)).toBeLessThanOrEqual(limit * 0.001);
});
