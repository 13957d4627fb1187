// Per-key policies on a real database: PATCH semantics (merge, null clears),
// validation, tenancy, audit and the eviction event the data plane listens to.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import { decide } from "../../lib/access/decide";
import { verifyAuditChain } from "../../lib/audit/record";
import { hashSecret } from "../../lib/credentials/format";
import { prisma } from "../../lib/db";
import { createKey } from "../../lib/keys/create-key";
import { getKey, listKeys } from "../../lib/keys/list-keys";
import { revokeKey } from "../../lib/keys/revoke-key";
import { updateKey } from "../../lib/keys/update-key";
import { createKeySchema } from "../../lib/schemas/keys";
import { updateKeySchema } from "../../lib/schemas/policy";
import { captureEvents } from "../support/events";
import { createPrincipal, meta } from "../support/factories";

const berlinWeekdays = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  start: "08:00",
  end: "18:00",
  timeZone: "Europe/Berlin",
};

/** What a route handler does: parse with the schema, then call the domain function. */
const patch = (body: unknown) => updateKeySchema.parse(body);

async function newKey(name = "policy") {
  const p = await createPrincipal();
  const key = await createKey(p, createKeySchema.parse({ name, scopes: ["read:profile"] }), meta);
  return { p, key };
}

let dp: DataPlane;
beforeAll(async () => {
  dp = await createDataPlane({ prisma });
});
afterAll(async () => {
  await dp.close();
});

describe("updateKey", () => {
  it("stores policy fields, merges later patches into them, and null clears one field only", async () => {
    const { p, key } = await newKey();
    const first = await updateKey(
      p,
      key.id,
      patch({ ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"], rateLimits: [{ limit: 10, windowSeconds: 1 }] }),
      meta,
    );
    expect(first.policy).toEqual({
      ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"],
      rateLimits: [{ limit: 10, windowSeconds: 1 }],
    });

    // A patch naming other fields leaves the stored ones alone.
    await updateKey(p, key.id, patch({ timeWindows: [berlinWeekdays], quota: { limit: 1000 } }), meta);
    let row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.policy).toEqual({
      ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"],
      rateLimits: [{ limit: 10, windowSeconds: 1 }],
      timeWindows: [berlinWeekdays],
      quota: { limit: 1000, period: "month" },
    });

    // A present field replaces the stored one (not appended).
    await updateKey(p, key.id, patch({ rateLimits: [{ limit: 5, windowSeconds: 60 }] }), meta);
    // null removes the field from the stored object (inherit again); the rest stays.
    const cleared = await updateKey(p, key.id, patch({ ipAllowlist: null, quota: null }), meta);
    row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.policy).toEqual({ rateLimits: [{ limit: 5, windowSeconds: 60 }], timeWindows: [berlinWeekdays] });
    expect(row.policy).not.toHaveProperty("ipAllowlist");
    expect(cleared.policy).toEqual({ rateLimits: [{ limit: 5, windowSeconds: 60 }], timeWindows: [berlinWeekdays] });

    // GET and list show the same stored policy.
    expect((await getKey(p, key.id)).policy).toEqual(cleared.policy);
    expect((await listKeys(p)).find((k) => k.id === key.id)?.policy).toEqual(cleared.policy);
  });

  it("keeps stored policy keys it does not know about", async () => {
    const { p, key } = await newKey();
    await prisma.apiKey.update({ where: { id: key.id }, data: { policy: { futureRule: { x: 1 } } } });
    await updateKey(p, key.id, patch({ ipAllowlist: ["192.0.2.1"] }), meta);
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.policy).toEqual({ futureRule: { x: 1 }, ipAllowlist: ["192.0.2.1"] });
  });

  it("sets remaining and refill with refilledAt = now; null clears them; name changes", async () => {
    const { p, key } = await newKey();
    const before = Date.now();
    const view = await updateKey(
      p,
      key.id,
      patch({ name: "  renamed  ", remaining: 50, refill: { amount: 100, interval: "daily" } }),
      meta,
    );
    expect(view).toMatchObject({ name: "renamed", remaining: 50, refill: { amount: 100, interval: "daily" } });
    let row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row).toMatchObject({ name: "renamed", remaining: 50, refill: { amount: 100, interval: "daily" } });
    expect(row.refilledAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(row.policy).toEqual({}); // policy untouched by a cap-only patch

    // A policy-only patch leaves the cap (and its refill clock) alone.
    const refilledAt = row.refilledAt;
    await updateKey(p, key.id, patch({ quota: { limit: 10, period: "day" } }), meta);
    row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row).toMatchObject({ remaining: 50, refilledAt });

    // remaining: 0 is a real cap, not "unset".
    await updateKey(p, key.id, patch({ remaining: 0 }), meta);
    expect((await getKey(p, key.id)).remaining).toBe(0);

    const cleared = await updateKey(p, key.id, patch({ remaining: null, refill: null }), meta);
    expect(cleared).toMatchObject({ remaining: null, refill: null });
    row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.remaining).toBeNull();
    expect(row.refill).toBeNull(); // SQL NULL, not a JSON null
    const sqlNull = await prisma.$queryRaw<{ isnull: boolean }[]>`
      SELECT refill IS NULL AS isnull FROM api_keys WHERE id = ${key.id}`;
    expect(sqlNull[0]?.isnull).toBe(true);
  });

  it("writes a key.update audit event naming the changed fields, in the hash chain", async () => {
    const { p, key } = await newKey("audited");
    await updateKey(p, key.id, patch({ ipAllowlist: ["10.0.0.0/8"], remaining: 5 }), meta);
    const events = await prisma.auditEvent.findMany({ where: { targetId: key.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["key.create", "key.update"]);
    expect(events[1]).toMatchObject({
      actorType: "user",
      actorId: p.userId,
      orgId: p.orgId,
      targetType: "api_key",
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    expect((events[1]!.context as { changed: string[] }).changed.sort()).toEqual(["ipAllowlist", "remaining"]);
    expect(await verifyAuditChain(prisma)).toBeNull();
  });

  it("emits an api_key change after commit, so the data plane drops its cached record", async () => {
    const { p, key } = await newKey();
    const hash = hashSecret(key.key);
    expect((await decide(dp.store, { credential: key.key })).code).toBe("VALID");
    expect(dp.store.peek(hash)).toBeTruthy(); // cached by the verify above

    const { events } = await captureEvents(() =>
      updateKey(p, key.id, patch({ rateLimits: [{ limit: 1, windowSeconds: 1 }] }), meta),
    );
    expect(events).toContainEqual({ kind: "api_key", hash });
    expect(dp.store.peek(hash)).toBeUndefined();
  });

  it("another organization's key is not found (404) and stays unchanged, with no event", async () => {
    const { p: a, key } = await newKey("a's");
    const b = await createPrincipal();
    await expect(updateKey(b, key.id, patch({ ipAllowlist: ["0.0.0.0/0"] }), meta)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(updateKey(b, "does-not-exist", patch({ name: "x" }), meta)).rejects.toMatchObject({
      code: "not_found",
    });
    expect((await getKey(a, key.id)).policy).toEqual({});
    expect(await prisma.auditEvent.count({ where: { targetId: key.id, action: "key.update" } })).toBe(0);
  });

  it("refuses to change a revoked key (409)", async () => {
    const { p, key } = await newKey();
    await revokeKey(p, key.id, meta);
    await expect(updateKey(p, key.id, patch({ remaining: 10 }), meta)).rejects.toMatchObject({ code: "conflict" });
    const row = await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } });
    expect(row.remaining).toBeNull();
  });
});

describe("updateKeySchema validation (what PATCH answers 422 for)", () => {
  const issues = (body: unknown) => {
    const r = updateKeySchema.safeParse(body);
    expect(r.success).toBe(false);
    return r.error!.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
  };

  it("rejects a bad CIDR, naming its index", () => {
    expect(issues({ ipAllowlist: ["10.0.0.0/8", "10.0.0.300/8"] })).toEqual([
      expect.objectContaining({ path: "ipAllowlist.1", message: expect.stringContaining("CIDR") }),
    ]);
    expect(issues({ ipAllowlist: ["10.0.0.0/33"] })[0]?.path).toBe("ipAllowlist.0");
  });

  it("rejects an unknown time zone and a bad clock time", () => {
    expect(issues({ timeWindows: [{ ...berlinWeekdays, timeZone: "Mars/Olympus" }] })).toEqual([
      expect.objectContaining({ path: "timeWindows.0.timeZone", message: expect.stringContaining("time zone") }),
    ]);
    expect(issues({ timeWindows: [{ ...berlinWeekdays, start: "25:00" }] })[0]?.path).toBe("timeWindows.0.start");
  });

  it("rejects two rate limits with the same window length", () => {
    expect(
      issues({
        rateLimits: [
          { limit: 10, windowSeconds: 1 },
          { limit: 20, windowSeconds: 1 },
        ],
      }),
    ).toEqual([expect.objectContaining({ path: "rateLimits", message: "One limit per window length." })]);
  });

  it("rejects an empty patch and unknown fields", () => {
    expect(issues({})[0]?.message).toMatch(/at least one field/);
    expect(issues({ scopes: ["x"] })[0]?.message).toMatch(/scopes/);
  });

  it("accepts null for every clearable field", () => {
    expect(
      updateKeySchema.safeParse({
        ipAllowlist: null,
        timeWindows: null,
        rateLimits: null,
        quota: null,
        remaining: null,
        refill: null,
      }).success,
    ).toBe(true);
  });
});
