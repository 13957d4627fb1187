// The policy engine (lib/access/authorize.ts) on a real database: route rules
// from the catalog, IP allowlists, time windows, rate limits, quotas, usage
// caps, plans and organization policies, and the decision trace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authorize, type AccessRequest, type AccessResult } from "../../lib/access/authorize";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import { emitCredentialChange } from "../../lib/access/events";
import { hashSecret } from "../../lib/credentials/format";
import { prisma } from "../../lib/db";
import { createKey } from "../../lib/keys/create-key";
import { createKeySchema } from "../../lib/schemas/keys";
import type { Policy } from "../../lib/schemas/policy";
import { createPrincipal, meta } from "../support/factories";

let dp: DataPlane;

beforeAll(async () => {
  dp = await createDataPlane({ prisma, ipLimit: { limit: 5, windowSeconds: 60 } });
});
afterAll(async () => {
  await dp.close();
});

async function newKey(scopes: string[] = [], policy: Policy = {}, extra: { remaining?: number; refill?: object } = {}) {
  const p = await createPrincipal();
  const created = await createKey(p, createKeySchema.parse({ name: "policy", scopes, environment: "test" }), meta);
  await prisma.apiKey.update({
    where: { id: created.id },
    data: { policy, remaining: extra.remaining, refill: extra.refill },
  });
  emitCredentialChange({ kind: "api_key", hash: hashSecret(created.key) });
  return { ...created, principal: p };
}

const run = (req: Partial<AccessRequest> & { credential: string | null }): Promise<AccessResult> =>
  Promise.resolve(authorize(dp, { ip: "198.51.100.1", ...req }));

describe("IP allowlists and time windows", () => {
  it("allows listed addresses (IPv4 and IPv6), denies others with IP_NOT_ALLOWED and a trace", async () => {
    const { key } = await newKey([], { ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"] });
    expect((await run({ credential: key, ip: "10.20.30.40" })).code).toBe("VALID");
    expect((await run({ credential: key, ip: "2001:db8:1::5" })).code).toBe("VALID");
    expect((await run({ credential: key, ip: "::ffff:10.1.1.1" })).code).toBe("VALID");
    const denied = await run({ credential: key, ip: "203.0.113.9", explain: true });
    expect(denied).toMatchObject({ allow: false, code: "IP_NOT_ALLOWED", status: 403, decidedBy: "ip_allowlist" });
    const rules = denied.trace!.map((s) => `${s.rule}:${s.outcome}`);
    expect(rules).toEqual(["route:skip", "credential:pass", "ip_allowlist:fail"]);
  });

  it("an organization allowlist narrows every key of the organization", async () => {
    const k = await newKey([], { ipAllowlist: ["10.0.0.0/8"] });
    await prisma.organization.update({
      where: { id: k.principal.orgId },
      data: { policy: { ipAllowlist: ["10.1.0.0/16"] } },
    });
    emitCredentialChange({ kind: "policy", orgId: k.principal.orgId });
    expect((await run({ credential: k.key, ip: "10.1.2.3" })).code).toBe("VALID");
    const r = await run({ credential: k.key, ip: "10.2.0.1", explain: true });
    expect(r.code).toBe("IP_NOT_ALLOWED");
    expect(r.trace!.filter((s) => s.rule === "ip_allowlist").map((s) => s.outcome)).toEqual(["pass", "fail"]);
  });

  it("time windows in the key's zone: Mon–Fri 08:00–18:00 Europe/Berlin", async () => {
    const { key } = await newKey([], {
      timeWindows: [
        { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" },
      ],
    });
    // 2026-11-27 is a Friday; Berlin is UTC+1 in November.
    expect((await run({ credential: key, at: Date.parse("2026-11-27T07:00:00Z") })).code).toBe("VALID"); // 08:00
    expect((await run({ credential: key, at: Date.parse("2026-11-27T06:59:00Z") })).code).toBe("OUTSIDE_TIME_WINDOW");
    expect((await run({ credential: key, at: Date.parse("2026-11-27T17:00:00Z") })).code).toBe("OUTSIDE_TIME_WINDOW"); // 18:00
    const sat = await run({ credential: key, at: Date.parse("2026-11-28T10:00:00Z"), explain: true });
    expect(sat).toMatchObject({ code: "OUTSIDE_TIME_WINDOW", status: 403, decidedBy: "time_window" });
    expect(sat.trace!.at(-1)!.detail).toContain("sat 11:00 Europe/Berlin");
  });
});

describe("rate limits, quotas and usage caps", () => {
  it("a key's limit: exactly `limit` calls pass, then 429 RATE_LIMITED with Retry-After and RateLimit headers", async () => {
    const { key } = await newKey([], { rateLimits: [{ limit: 3, windowSeconds: 60 }] });
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await run({ credential: key }));
    expect(results.map((r) => r.code)).toEqual(["VALID", "VALID", "VALID", "RATE_LIMITED", "RATE_LIMITED"]);
    expect(results[0].rateLimit).toEqual({
      policy: '"key-60s";q=3;w=60',
      current: expect.stringMatching(/^"key-60s";r=2;t=(59|60)$/),
    });
    expect(results[3]).toMatchObject({ status: 429, decidedBy: "rate_limit" });
    expect(results[3].retryAfter).toBeGreaterThanOrEqual(1);
    expect(results[3].retryAfter).toBeLessThanOrEqual(60);
    expect(results[3].rateLimit!.current).toMatch(/;r=0;/);
  });

  it("multi-window limits from the plan apply per key; the organization's own limit counts all its keys", async () => {
    const plan = await prisma.plan.create({
      data: {
        name: `plan-${Date.now()}-${Math.random()}`,
        policy: {
          rateLimits: [
            { limit: 2, windowSeconds: 1 },
            { limit: 100, windowSeconds: 60 },
          ],
        },
      },
    });
    const a = await newKey();
    await prisma.organization.update({
      where: { id: a.principal.orgId },
      data: { planId: plan.id, policy: { rateLimits: [{ limit: 3, windowSeconds: 60 }] } },
    });
    const b = await createKey(a.principal, createKeySchema.parse({ name: "second", environment: "test" }), meta);
    emitCredentialChange({ kind: "policy", orgId: a.principal.orgId });
    const first = await run({ credential: a.key });
    expect(first.rateLimit!.policy).toBe('"key-1s";q=2;w=1, "key-60s";q=100;w=60, "org-60s";q=3;w=60');
    expect((await run({ credential: a.key })).code).toBe("VALID");
    // The plan's 2/s per key:
    expect((await run({ credential: a.key })).code).toBe("RATE_LIMITED");
    // The organization's 3/min counts key b's call on top of a's two (and a's denied third).
    expect((await run({ credential: b.key })).code).toBe("RATE_LIMITED");
  });

  it("a monthly quota: QUOTA_EXCEEDED with Retry-After until the month turns", async () => {
    const { key } = await newKey([], { quota: { limit: 2, period: "month" } });
    const at = Date.parse("2031-01-31T23:59:00Z");
    expect((await run({ credential: key, at })).code).toBe("VALID");
    expect((await run({ credential: key, at })).code).toBe("VALID");
    const over = await run({ credential: key, at, explain: true });
    expect(over).toMatchObject({ code: "QUOTA_EXCEEDED", status: 429, decidedBy: "quota" });
    // A new month is a new counter.
    expect((await run({ credential: key, at: Date.parse("2031-02-01T00:00:30Z") })).code).toBe("VALID");
  });

  it("usage caps decrement atomically: 40 concurrent calls on remaining=25 → exactly 25 pass", async () => {
    const { key, id } = await newKey([], {}, { remaining: 25 });
    const results = await Promise.all(Array.from({ length: 40 }, () => run({ credential: key })));
    expect(results.filter((r) => r.code === "VALID")).toHaveLength(25);
    expect(results.filter((r) => r.code === "USAGE_EXHAUSTED")).toHaveLength(15);
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).remaining).toBe(0);
  });

  it("a due refill resets remaining in the same statement", async () => {
    const { key, id } = await newKey([], {}, { remaining: 0, refill: { amount: 5, interval: "daily" } });
    await prisma.apiKey.update({ where: { id }, data: { refilledAt: new Date(Date.now() - 2 * 86_400_000) } });
    expect((await run({ credential: key })).code).toBe("VALID");
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).remaining).toBe(4);
  });

  it("dry runs (the simulator) count nothing", async () => {
    const { key, id } = await newKey([], { rateLimits: [{ limit: 1, windowSeconds: 60 }] }, { remaining: 1 });
    for (let i = 0; i < 3; i++) expect((await run({ credential: key, dryRun: true })).code).toBe("VALID");
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id } })).remaining).toBe(1);
    expect((await run({ credential: key })).code).toBe("VALID");
    expect((await run({ credential: key, dryRun: true })).code).toBe("RATE_LIMITED");
  });

  it("failed checks are limited per IP (429 after GATEHOUSE_IP_RATE_LIMIT), other IPs unaffected", async () => {
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push((await run({ credential: "gk_test_nope", ip })).code);
    expect(codes).toEqual([
      "MALFORMED",
      "MALFORMED",
      "MALFORMED",
      "MALFORMED",
      "MALFORMED",
      "RATE_LIMITED",
      "RATE_LIMITED",
    ]);
    expect((await run({ credential: null, ip: "192.0.2.254" })).code).toBe("MISSING");
  });
});

describe("route rules from the catalog", () => {
  it("scopes per operation, unknown operations, public operations, explicit scopes on top", async () => {
    const basePath = `/pets-${Date.now().toString(36)}`;
    await prisma.scope.createMany({
      data: ["read:pets", "write:pets", "admin:pets"].map((name) => ({ name, description: name })),
      skipDuplicates: true,
    });
    await prisma.api.create({
      data: {
        name: "Petstore",
        basePath,
        upstreamUrl: "http://127.0.0.1:9",
        routes: {
          create: [
            { method: "GET", pathTemplate: "/pets", security: [["read:pets"]] },
            { method: "POST", pathTemplate: "/pets", security: [["write:pets", "read:pets"], ["admin:pets"]] },
            { method: "GET", pathTemplate: "/pets/{petId}", security: [[]] },
            { method: "GET", pathTemplate: "/health", security: [], anonymous: true },
          ],
        },
      },
    });
    emitCredentialChange({ kind: "catalog" });
    await dp.reloadRoutes(); // the event's reload is async: wait for one
    const { key } = await newKey(["read:pets"]);
    const at = (method: string, path: string, credential: string | null = key) =>
      run({ credential, method, path, explain: true });

    expect((await at("GET", `${basePath}/pets`)).code).toBe("VALID");
    const post = await at("POST", `${basePath}/pets`);
    expect(post).toMatchObject({ code: "INSUFFICIENT_SCOPE", status: 403, missingScopes: ["write:pets"] });
    expect((await at("GET", `${basePath}/pets/42`)).code).toBe("VALID");
    const unknown = await at("DELETE", `${basePath}/pets/42`);
    expect(unknown).toMatchObject({ code: "ROUTE_NOT_FOUND", status: 404, decidedBy: "route" });
    expect((await at("GET", `${basePath}/health`, null)).code).toBe("PUBLIC_ROUTE");
    expect((await at("GET", `${basePath}/pets`, null)).code).toBe("MISSING");
    const explicit = await run({ credential: key, method: "GET", path: `${basePath}/pets`, scopes: ["delete:pets"] });
    expect(explicit.missingScopes).toEqual(["delete:pets"]);
    const trace = (await at("GET", `${basePath}/pets`)).trace!;
    expect(trace[0]).toMatchObject({ rule: "route", outcome: "pass" });
    expect(trace[0].detail).toContain("GET /pets");
    expect(trace.find((s) => s.rule === "scope")).toMatchObject({ outcome: "pass" });
  });
});
