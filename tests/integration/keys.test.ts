// Key lifecycle on a real database (PostgreSQL server or embedded PGlite):
// migrations applied → create → verify → revoke → verify, with audit.
import { readdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import { decide } from "../../lib/access/decide";
import { ApiError } from "../../lib/api/errors";
import { verifyAuditChain } from "../../lib/audit/record";
import { hashSecret } from "../../lib/credentials/format";
import { prisma } from "../../lib/db";
import { createKey } from "../../lib/keys/create-key";
import { getKey, listKeys } from "../../lib/keys/list-keys";
import { revokeKey } from "../../lib/keys/revoke-key";
import { createKeySchema } from "../../lib/schemas/keys";
import { createPrincipal, meta } from "../support/factories";

let dp: DataPlane;

beforeAll(async () => {
  dp = await createDataPlane({ prisma });
});
afterAll(async () => {
  await dp.close();
});

describe("migrations", () => {
  it("every committed migration is applied", async () => {
    const dirs = readdirSync("prisma/migrations", { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    const rows = await prisma.$queryRaw<{ migration_name: string; finished_at: Date | null }[]>`
      SELECT migration_name, finished_at FROM _prisma_migrations`;
    expect(rows.map((r) => r.migration_name).sort()).toEqual(dirs.sort());
    expect(rows.every((r) => r.finished_at !== null)).toBe(true);
  });
});

describe("API key lifecycle", () => {
  it("create → verify → revoke → verify", async () => {
    const p = await createPrincipal();
    const created = await createKey(p, createKeySchema.parse({ name: "ci", scopes: ["read:profile"] }), meta);
    expect(created.key).toMatch(/^gk_live_/);

    const stored = await prisma.apiKey.findUniqueOrThrow({ where: { id: created.id } });
    expect(stored.hash).toBe(hashSecret(created.key));
    expect(JSON.stringify(stored)).not.toContain(created.key);

    const ok = await decide(dp.store, { credential: created.key, requiredScopes: ["read:profile"] });
    expect(ok).toMatchObject({ allow: true, code: "VALID", key: { id: created.id, orgId: p.orgId } });
    expect((await decide(dp.store, { credential: created.key, requiredScopes: ["delete:user"] })).code).toBe(
      "INSUFFICIENT_SCOPE",
    );

    await revokeKey(p, created.id, meta);
    // Same process: the revocation event evicted the cached entry, no TTL wait.
    expect((await decide(dp.store, { credential: created.key })).code).toBe("REVOKED");
    expect((await getKey(p, created.id)).status).toBe("revoked");
  });

  it("writes key.create and key.revoke audit events with actor, target, IP and user agent", async () => {
    const p = await createPrincipal();
    const created = await createKey(p, createKeySchema.parse({ name: "audited" }), meta);
    await revokeKey(p, created.id, meta);
    await revokeKey(p, created.id, meta); // idempotent: no second event
    const events = await prisma.auditEvent.findMany({ where: { targetId: created.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["key.create", "key.revoke"]);
    for (const e of events) {
      expect(e).toMatchObject({
        actorType: "user",
        actorId: p.userId,
        orgId: p.orgId,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    expect(await verifyAuditChain(prisma)).toBeNull();
  });

  it("rejects unknown scopes and writes nothing", async () => {
    const p = await createPrincipal();
    const before = await prisma.apiKey.count({ where: { orgId: p.orgId } });
    await expect(
      createKey(p, createKeySchema.parse({ name: "x", scopes: ["read:everything"] }), meta),
    ).rejects.toMatchObject({
      code: "validation_failed",
    });
    expect(await prisma.apiKey.count({ where: { orgId: p.orgId } })).toBe(before);
    expect(await prisma.auditEvent.count({ where: { orgId: p.orgId, action: "key.create" } })).toBe(0);
  });

  it("another organization's key is not found (404), not forbidden", async () => {
    const a = await createPrincipal();
    const b = await createPrincipal();
    const key = await createKey(a, createKeySchema.parse({ name: "a's" }), meta);
    await expect(getKey(b, key.id)).rejects.toBeInstanceOf(ApiError);
    await expect(getKey(b, key.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(revokeKey(b, key.id, meta)).rejects.toMatchObject({ code: "not_found" });
    expect((await listKeys(b)).map((k) => k.id)).not.toContain(key.id);
    expect((await getKey(a, key.id)).status).toBe("active");
  });

  it("an expired key is EXPIRED", async () => {
    const p = await createPrincipal();
    const key = await createKey(
      p,
      createKeySchema.parse({ name: "short", expiresAt: new Date(Date.now() + 60_000) }),
      meta,
    );
    expect((await decide(dp.store, { credential: key.key })).code).toBe("VALID");
    expect((await decide(dp.store, { credential: key.key, now: Date.now() + 120_000 })).code).toBe("EXPIRED");
  });

  it("lastUsedAt is written off the request path, at most once a minute", async () => {
    const p = await createPrincipal();
    const key = await createKey(p, createKeySchema.parse({ name: "used" }), meta);
    const now = Date.now();
    dp.lastUsed.mark(key.id, now);
    dp.lastUsed.mark(key.id, now + 1000);
    await dp.lastUsed.flush();
    const first = (await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt;
    expect(first).not.toBeNull();
    dp.lastUsed.mark(key.id, now + 30_000);
    await dp.lastUsed.flush();
    expect((await prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt).toEqual(first);
  });
});
