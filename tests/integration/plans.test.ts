// Plans, organization policies and OAuth-client policies on a real database:
// CRUD and PATCH semantics, audit events in the same transaction, the eviction
// events the data plane listens to, admin-only access and tenancy, the REST
// handlers' status codes — and, through the real data plane, a plan's rate limit
// applying to a key of an organization on it, changes taking effect on the next call.
import { randomBytes } from "node:crypto";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import * as adminOrgRoute from "../../app/api/v1/admin/orgs/[id]/route";
import * as adminOrgsRoute from "../../app/api/v1/admin/orgs/route";
import * as adminPlanRoute from "../../app/api/v1/admin/plans/[id]/route";
import * as adminPlansRoute from "../../app/api/v1/admin/plans/route";
import * as clientRoute from "../../app/api/v1/oauth-clients/[id]/route";
import { authorize } from "../../lib/access/authorize";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import type { Principal } from "../../lib/auth/principal";
import { verifyAuditChain } from "../../lib/audit/record";
import { prisma } from "../../lib/db";
import { createKey } from "../../lib/keys/create-key";
import { createClient } from "../../lib/oauth-clients/create-client";
import { revokeClient } from "../../lib/oauth-clients/revoke-client";
import { updateClientPolicy } from "../../lib/oauth-clients/update-client-policy";
import { updateOrgPolicy } from "../../lib/orgs/update-org-policy";
import { createPlan } from "../../lib/plans/create-plan";
import { deletePlan } from "../../lib/plans/delete-plan";
import { getPlan, listPlans } from "../../lib/plans/list-plans";
import { getOrgPolicy, listOrgPolicies } from "../../lib/orgs/org-policies";
import { updatePlan } from "../../lib/plans/update-plan";
import { createKeySchema } from "../../lib/schemas/keys";
import { createOAuthClientSchema } from "../../lib/schemas/oauth-clients";
import {
  createPlanSchema,
  listOrgsQuerySchema,
  updateClientPolicySchema,
  updateOrgPolicySchema,
  updatePlanSchema,
} from "../../lib/schemas/plans";
import { createToken } from "../../lib/tokens/create-token";
import { captureEvents, listenForChanges } from "../support/events";
import { createPrincipal, meta } from "../support/factories";

const uid = () => randomBytes(4).toString("hex");
const planName = (tag = "plan") => `${tag}-${uid()}`;
const admin = () => createPrincipal({ role: "admin" });
const berlinWeekdays = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  start: "08:00",
  end: "18:00",
  timeZone: "Europe/Berlin",
};

/** What a route handler does: parse with the schema, then call the domain function. */
const newPlan = (p: Principal, body: Record<string, unknown> = {}) =>
  createPlan(p, createPlanSchema.parse({ name: planName(), ...body }), meta);

const confidentialClient = (p: Principal) =>
  createClient(
    p,
    createOAuthClientSchema.parse({ name: "batch", grantTypes: ["client_credentials"], scopes: ["read:profile"] }),
    meta,
  );

describe("plans", () => {
  it("create → get/list → update (merge, null clears, rename) → delete, each audited in order", async () => {
    const p = await admin();
    const name = planName("pro");
    const created = await createPlan(
      p,
      createPlanSchema.parse({
        name: `  ${name}  `,
        description: "For teams",
        rateLimits: [
          { limit: 10, windowSeconds: 1 },
          { limit: 1000, windowSeconds: 3600 },
        ],
        quota: { limit: 100_000 },
        ipAllowlist: null, // null on create = not set
      }),
      meta,
    );
    expect(created).toMatchObject({
      name,
      description: "For teams",
      policy: {
        rateLimits: [
          { limit: 10, windowSeconds: 1 },
          { limit: 1000, windowSeconds: 3600 },
        ],
        quota: { limit: 100_000, period: "month" },
      },
      organizations: 0,
    });
    let row = await prisma.plan.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.policy).toEqual({
      rateLimits: [
        { limit: 10, windowSeconds: 1 },
        { limit: 1000, windowSeconds: 3600 },
      ],
      quota: { limit: 100_000, period: "month" },
    });
    expect(await getPlan(p, created.id)).toEqual(created);
    expect((await listPlans(p)).find((x) => x.id === created.id)).toEqual(created);

    // A patch naming other fields leaves the stored ones alone.
    await updatePlan(p, created.id, updatePlanSchema.parse({ timeWindows: [berlinWeekdays] }), meta);
    // null removes one field; a present one replaces; name and description change.
    const renamed = `${name}-2`;
    const updated = await updatePlan(
      p,
      created.id,
      updatePlanSchema.parse({
        name: renamed,
        description: "",
        quota: null,
        rateLimits: [{ limit: 5, windowSeconds: 60 }],
      }),
      meta,
    );
    expect(updated).toMatchObject({
      name: renamed,
      description: "",
      policy: { rateLimits: [{ limit: 5, windowSeconds: 60 }], timeWindows: [berlinWeekdays] },
    });
    row = await prisma.plan.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.policy).toEqual({ rateLimits: [{ limit: 5, windowSeconds: 60 }], timeWindows: [berlinWeekdays] });

    const deleted = await deletePlan(p, created.id, meta);
    expect(deleted).toEqual({ ...updated, updatedAt: deleted.updatedAt });
    expect(await prisma.plan.findUnique({ where: { id: created.id } })).toBeNull();
    await expect(getPlan(p, created.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(deletePlan(p, created.id, meta)).rejects.toMatchObject({ code: "not_found" });
    await expect(updatePlan(p, created.id, updatePlanSchema.parse({ description: "x" }), meta)).rejects.toMatchObject({
      code: "not_found",
    });

    const events = await prisma.auditEvent.findMany({ where: { targetId: created.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual(["plan.create", "plan.update", "plan.update", "plan.delete"]);
    for (const e of events) {
      expect(e).toMatchObject({ actorType: "user", actorId: p.userId, targetType: "plan", ip: meta.ip });
    }
    expect(events[2].context).toMatchObject({
      name: renamed,
      previousName: name,
      changed: ["name", "description", "rateLimits", "quota"],
      policy: {
        before: {
          rateLimits: [
            { limit: 10, windowSeconds: 1 },
            { limit: 1000, windowSeconds: 3600 },
          ],
        },
        after: { rateLimits: [{ limit: 5, windowSeconds: 60 }], timeWindows: [berlinWeekdays] },
      },
    });
    expect(await verifyAuditChain(prisma)).toBeNull();
  });

  it("plan names are unique regardless of case: 409 naming the field, nothing written", async () => {
    const p = await admin();
    const name = planName("Gold");
    const first = await newPlan(p, { name });
    const auditsBefore = await prisma.auditEvent.count({ where: { action: "plan.create" } });
    await expect(newPlan(p, { name: name.toLowerCase() })).rejects.toMatchObject({
      code: "conflict",
      details: [{ path: "name" }],
    });
    const other = await newPlan(p);
    await expect(
      updatePlan(p, other.id, updatePlanSchema.parse({ name: name.toUpperCase() }), meta),
    ).rejects.toMatchObject({ code: "conflict" });
    expect(await prisma.plan.count({ where: { name: { equals: name, mode: "insensitive" } } })).toBe(1);
    expect(await prisma.auditEvent.count({ where: { action: "plan.create" } })).toBe(auditsBefore + 1);
    // Renaming to its own name (another case) is fine.
    expect((await updatePlan(p, first.id, updatePlanSchema.parse({ name: name.toUpperCase() }), meta)).name).toBe(
      name.toUpperCase(),
    );
  });

  it("a plan in use cannot be deleted (409 with the count); once its organizations move, it can", async () => {
    const p = await admin();
    const plan = await newPlan(p, { quota: { limit: 10, period: "day" } });
    const orgA = await createPrincipal();
    const orgB = await createPrincipal();
    for (const o of [orgA, orgB]) {
      await updateOrgPolicy(p, o.orgId, updateOrgPolicySchema.parse({ planId: plan.id }), meta);
    }
    expect((await getPlan(p, plan.id)).organizations).toBe(2);
    const err = await deletePlan(p, plan.id, meta).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "conflict", status: 409, details: { organizations: 2 } });
    expect((err as Error).message).toContain("2 organizations");
    // Refused means nothing changed: the plan and both assignments stay, no plan.delete event.
    expect(await prisma.organization.count({ where: { planId: plan.id } })).toBe(2);
    expect(await prisma.auditEvent.count({ where: { targetId: plan.id, action: "plan.delete" } })).toBe(0);

    await updateOrgPolicy(p, orgA.orgId, updateOrgPolicySchema.parse({ planId: null }), meta);
    await expect(deletePlan(p, plan.id, meta)).rejects.toThrow(/used by 1 organization\b/);
    await updateOrgPolicy(p, orgB.orgId, updateOrgPolicySchema.parse({ planId: null }), meta);
    await deletePlan(p, plan.id, meta);
    expect(await prisma.plan.findUnique({ where: { id: plan.id } })).toBeNull();
  });

  it("deleting a plan while it is being assigned never leaves the organization silently detached", async () => {
    const p = await admin();
    for (let i = 0; i < 8; i++) {
      const dev = await createPrincipal();
      const plan = await newPlan(p);
      const [deleted, assigned] = await Promise.allSettled([
        deletePlan(p, plan.id, meta),
        updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ planId: plan.id }), meta),
      ]);
      const org = await prisma.organization.findUniqueOrThrow({ where: { id: dev.orgId } });
      // Exactly one wins: either the plan is gone and the assignment was refused (422), or the
      // organization is on the plan and the deletion was refused (409). Never both "succeeded".
      if (deleted.status === "fulfilled") {
        expect(assigned).toMatchObject({ status: "rejected", reason: { code: "validation_failed" } });
        expect(org.planId).toBeNull();
      } else {
        expect(deleted.reason).toMatchObject({ code: "conflict" });
        expect(assigned.status).toBe("fulfilled");
        expect(org.planId).toBe(plan.id);
      }
    }
  });

  it("a policy change emits one `policy` event after commit; create and delete (no organization on it) evict nothing", async () => {
    const p = await admin();
    const { result: plan, events: onCreate } = await captureEvents(() => newPlan(p));
    expect(onCreate).toEqual([]);
    const { events: onRename } = await captureEvents(() =>
      updatePlan(p, plan.id, updatePlanSchema.parse({ description: "only words" }), meta),
    );
    expect(onRename).toEqual([]); // no policy field changed: cached records stay valid
    const { events: onPolicy } = await captureEvents(() =>
      updatePlan(p, plan.id, updatePlanSchema.parse({ rateLimits: [{ limit: 1, windowSeconds: 1 }] }), meta),
    );
    expect(onPolicy).toEqual([{ kind: "policy" }]);
    const { events: onDelete } = await captureEvents(() => deletePlan(p, plan.id, meta));
    expect(onDelete).toEqual([]);
    // A failed change emits nothing.
    const { events: onFail } = await captureEvents(() =>
      updatePlan(p, "no-such-plan", updatePlanSchema.parse({ quota: { limit: 1 } }), meta).catch(() => null),
    );
    expect(onFail).toEqual([]);
  });

  it("non-admins are refused by every function (403), and nothing is written", async () => {
    const p = await admin();
    const dev = await createPrincipal();
    const plan = await newPlan(p);
    await expect(newPlan(dev)).rejects.toMatchObject({ code: "forbidden" });
    await expect(listPlans(dev)).rejects.toMatchObject({ code: "forbidden" });
    await expect(getPlan(dev, plan.id)).rejects.toMatchObject({ code: "forbidden" });
    await expect(updatePlan(dev, plan.id, updatePlanSchema.parse({ description: "x" }), meta)).rejects.toMatchObject({
      code: "forbidden",
    });
    await expect(deletePlan(dev, plan.id, meta)).rejects.toMatchObject({ code: "forbidden" });
    await expect(listOrgPolicies(dev)).rejects.toMatchObject({ code: "forbidden" });
    await expect(getOrgPolicy(dev, dev.orgId)).rejects.toMatchObject({ code: "forbidden" });
    // Not even on the developer's own organization.
    await expect(
      updateOrgPolicy(dev, dev.orgId, updateOrgPolicySchema.parse({ planId: plan.id }), meta),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(await getPlan(p, plan.id)).toEqual(plan);
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: dev.orgId } })).planId).toBeNull();
  });
});

describe("organization policies", () => {
  it("assigns a plan and sets the organization's own policy (merge, null clears); audited on the org; evicts it", async () => {
    const p = await admin();
    const dev = await createPrincipal();
    const plan = await newPlan(p, { rateLimits: [{ limit: 100, windowSeconds: 60 }] });

    const { result: first, events } = await captureEvents(() =>
      updateOrgPolicy(
        p,
        dev.orgId,
        updateOrgPolicySchema.parse({ planId: plan.id, ipAllowlist: ["10.0.0.0/8"], quota: { limit: 5000 } }),
        meta,
      ),
    );
    expect(events).toEqual([{ kind: "policy", orgId: dev.orgId }]);
    expect(first).toMatchObject({
      id: dev.orgId,
      slug: dev.orgSlug,
      plan: { id: plan.id, name: plan.name },
      policy: { ipAllowlist: ["10.0.0.0/8"], quota: { limit: 5000, period: "month" } },
      members: 1,
    });

    await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ timeWindows: [berlinWeekdays] }), meta);
    const cleared = await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ ipAllowlist: null }), meta);
    const row = await prisma.organization.findUniqueOrThrow({ where: { id: dev.orgId } });
    // A policy-only patch leaves the plan alone.
    expect(row.planId).toBe(plan.id);
    expect(row.policy).toEqual({ quota: { limit: 5000, period: "month" }, timeWindows: [berlinWeekdays] });
    expect(cleared.policy).toEqual({ quota: { limit: 5000, period: "month" }, timeWindows: [berlinWeekdays] });
    expect(await getOrgPolicy(p, dev.orgId)).toEqual(cleared);

    const detached = await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ planId: null }), meta);
    expect(detached.plan).toBeNull();
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: dev.orgId } })).policy).toEqual(row.policy);

    const audits = await prisma.auditEvent.findMany({
      where: { targetId: dev.orgId, action: "org.update_policy" },
      orderBy: { id: "asc" },
    });
    expect(audits).toHaveLength(4);
    for (const a of audits) {
      expect(a).toMatchObject({ actorId: p.userId, orgId: dev.orgId, targetType: "organization", ip: meta.ip });
    }
    expect(audits[0].context).toMatchObject({
      changed: ["planId", "ipAllowlist", "quota"],
      plan: { from: null, to: plan.id },
      policy: { before: {}, after: { ipAllowlist: ["10.0.0.0/8"], quota: { limit: 5000, period: "month" } } },
    });
    expect(audits[3].context).toMatchObject({ changed: ["planId"], plan: { from: plan.id, to: null } });
    expect(audits[3].context).not.toHaveProperty("policy");
    expect(await verifyAuditChain(prisma)).toBeNull();
  });

  it("an unknown planId is 422 naming planId; an unknown organization is 404; nothing is written", async () => {
    const p = await admin();
    const dev = await createPrincipal();
    const { events } = await captureEvents(async () => {
      await expect(
        updateOrgPolicy(
          p,
          dev.orgId,
          updateOrgPolicySchema.parse({ planId: "no-such-plan", quota: { limit: 1 } }),
          meta,
        ),
      ).rejects.toMatchObject({ code: "validation_failed", status: 422, details: [{ path: "planId" }] });
      await expect(
        updateOrgPolicy(p, "no-such-org", updateOrgPolicySchema.parse({ quota: { limit: 1 } }), meta),
      ).rejects.toMatchObject({ code: "not_found" });
    });
    expect(events).toEqual([]);
    const row = await prisma.organization.findUniqueOrThrow({ where: { id: dev.orgId } });
    expect(row).toMatchObject({ planId: null, policy: {} });
    expect(await prisma.auditEvent.count({ where: { targetId: dev.orgId, action: "org.update_policy" } })).toBe(0);
  });

  it("lists organizations by slug with search, plan filter and a cursor", async () => {
    const p = await admin();
    const tag = uid();
    const orgs = [];
    for (let i = 0; i < 3; i++) orgs.push(await createPrincipal({ email: `plist-${tag}-${i}@example.test` }));
    const plan = await newPlan(p);
    await updateOrgPolicy(p, orgs[1].orgId, updateOrgPolicySchema.parse({ planId: plan.id }), meta);

    const q = (extra: Record<string, string>) => listOrgsQuerySchema.parse({ q: tag, ...extra });
    const all = await listOrgPolicies(p, q({}));
    expect(all.data.map((o) => o.id).sort()).toEqual(orgs.map((o) => o.orgId).sort());
    expect(all.nextCursor).toBeNull();
    const slugs = all.data.map((o) => o.slug);
    expect(slugs).toEqual([...slugs].sort());

    const page1 = await listOrgPolicies(p, q({ limit: "2" }));
    expect(page1.data).toHaveLength(2);
    expect(page1.nextCursor).toBe(page1.data[1].slug);
    const page2 = await listOrgPolicies(p, q({ limit: "2", cursor: page1.nextCursor! }));
    expect([...page1.data, ...page2.data].map((o) => o.id)).toEqual(all.data.map((o) => o.id));
    expect(page2.nextCursor).toBeNull();

    const onPlan = await listOrgPolicies(p, listOrgsQuerySchema.parse({ planId: plan.id }));
    expect(onPlan.data.map((o) => o.id)).toEqual([orgs[1].orgId]);
    expect(onPlan.data[0].plan).toEqual({ id: plan.id, name: plan.name });
  });
});

describe("OAuth client policies", () => {
  let dp: DataPlane;
  beforeAll(async () => {
    dp = await createDataPlane({ prisma });
  });
  afterAll(async () => {
    await dp.close();
  });

  it("sets and merges the client's policy, audits it, and evicts the client's compiled policy", async () => {
    const dev = await createPrincipal();
    const client = await confidentialClient(dev);
    // The data plane has this client's (empty) policy cached.
    expect((await dp.clientPolicies.get(client.clientId)).empty).toBe(true);
    expect(dp.clientPolicies.peek(client.clientId)).toBeDefined();

    const { result: view, events } = await captureEvents(() =>
      updateClientPolicy(
        dev,
        client.id,
        updateClientPolicySchema.parse({
          rateLimits: [{ limit: 3, windowSeconds: 60 }],
          ipAllowlist: ["192.0.2.0/24"],
        }),
        meta,
      ),
    );
    expect(events).toEqual([{ kind: "oauth_client", clientId: client.clientId }]);
    expect(view).toMatchObject({
      id: client.id,
      clientId: client.clientId,
      status: "active",
      policy: { rateLimits: [{ limit: 3, windowSeconds: 60 }], ipAllowlist: ["192.0.2.0/24"] },
    });
    expect(view).not.toHaveProperty("secretHash");
    expect(dp.clientPolicies.peek(client.clientId)).toBeUndefined();
    const compiled = await dp.clientPolicies.get(client.clientId);
    expect(compiled.credentialLimits).toEqual([{ limit: 3, windowSeconds: 60 }]);
    expect(compiled.ipAllowlists.map((a) => a.level)).toEqual(["client"]);

    const cleared = await updateClientPolicy(
      dev,
      client.id,
      updateClientPolicySchema.parse({ ipAllowlist: null, quota: { limit: 10, period: "day" } }),
      meta,
    );
    expect(cleared.policy).toEqual({
      rateLimits: [{ limit: 3, windowSeconds: 60 }],
      quota: { limit: 10, period: "day" },
    });
    expect((await prisma.oAuthClient.findUniqueOrThrow({ where: { id: client.id } })).policy).toEqual(cleared.policy);

    const audits = await prisma.auditEvent.findMany({
      where: { targetId: client.id, action: "oauth_client.update_policy" },
      orderBy: { id: "asc" },
    });
    expect(audits).toHaveLength(2);
    expect(audits[1]).toMatchObject({ actorId: dev.userId, orgId: dev.orgId, targetType: "oauth_client" });
    expect(audits[1].context).toMatchObject({ clientId: client.clientId, changed: ["ipAllowlist", "quota"] });
  });

  it("another organization's client is 404; a revoked client is 409; neither writes or emits", async () => {
    const a = await createPrincipal();
    const b = await createPrincipal();
    const client = await confidentialClient(a);
    const body = updateClientPolicySchema.parse({ quota: { limit: 1 } });
    const { events } = await captureEvents(async () => {
      await expect(updateClientPolicy(b, client.id, body, meta)).rejects.toMatchObject({ code: "not_found" });
      await expect(updateClientPolicy(a, "no-such-client", body, meta)).rejects.toMatchObject({ code: "not_found" });
    });
    expect(events).toEqual([]);
    await revokeClient(a, client.id, meta);
    await expect(updateClientPolicy(a, client.id, body, meta)).rejects.toMatchObject({ code: "conflict" });
    expect((await prisma.oAuthClient.findUniqueOrThrow({ where: { id: client.id } })).policy).toEqual({});
    expect(
      await prisma.auditEvent.count({ where: { targetId: client.id, action: "oauth_client.update_policy" } }),
    ).toBe(0);
  });
});

describe("through the data plane", () => {
  let dp: DataPlane;
  beforeAll(async () => {
    dp = await createDataPlane({ prisma });
  });
  afterAll(async () => {
    await dp.close();
  });
  const call = (key: string) => Promise.resolve(authorize(dp, { credential: key, ip: "198.51.100.7" }));

  it("a plan's rate limit applies to the keys of an organization on it; plan changes apply on the next call", async () => {
    const p = await admin();
    const dev = await createPrincipal();
    const { key } = await createKey(dev, createKeySchema.parse({ name: "planned", environment: "test" }), meta);
    const plan = await newPlan(p, { rateLimits: [{ limit: 2, windowSeconds: 60 }] });

    // No plan yet: unlimited, and the key's record is now cached in the data plane.
    const before = await call(key);
    expect(before.code).toBe("VALID");
    expect(before.rateLimit).toBeUndefined();

    // Assigning the plan evicts the cached record: the next call counts against the plan's window.
    await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ planId: plan.id }), meta);
    const first = await call(key);
    expect(first.code).toBe("VALID");
    expect(first.rateLimit?.policy).toBe('"key-60s";q=2;w=60');
    expect((await call(key)).code).toBe("VALID");
    const third = await call(key);
    expect(third).toMatchObject({ allow: false, code: "RATE_LIMITED", status: 429 });

    // Raising the plan's limit takes effect on the very next call (the cached record was dropped).
    await updatePlan(p, plan.id, updatePlanSchema.parse({ rateLimits: [{ limit: 50, windowSeconds: 60 }] }), meta);
    const raised = await call(key);
    expect(raised.code).toBe("VALID");
    expect(raised.rateLimit?.policy).toBe('"key-60s";q=50;w=60');

    // Tightening it does too: a 1-per-hour window is full after one call.
    await updatePlan(p, plan.id, updatePlanSchema.parse({ rateLimits: [{ limit: 1, windowSeconds: 3600 }] }), meta);
    expect((await call(key)).code).toBe("VALID");
    expect((await call(key)).code).toBe("RATE_LIMITED");

    // Leaving the plan lifts its limit, again from the next call.
    await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ planId: null }), meta);
    const free = await call(key);
    expect(free.code).toBe("VALID");
    expect(free.rateLimit).toBeUndefined();
  });
});

describe("REST handlers", () => {
  const BASE = "http://gatehouse.test";
  const req = (method: string, path: string, token: string, body?: unknown) =>
    new NextRequest(`${BASE}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  const params = (id: string) => ({ params: Promise.resolve({ id }) });
  const none = { params: Promise.resolve({} as Record<string, never>) };
  type ErrorJson = { error: { code: string; message: string; requestId: string; details?: { path: string }[] } };
  const tokenFor = async (p: Principal) => (await createToken(p, { name: "it" }, meta)).token;

  it("admin routes: 403 for a developer's token, 401 without one, 2xx for an admin", async () => {
    const adminToken = await tokenFor(await admin());
    const dev = await createPrincipal();
    const devToken = await tokenFor(dev);

    const created = await adminPlansRoute.POST(
      req("POST", "/api/v1/admin/plans", adminToken, { name: planName() }),
      none,
    );
    expect(created.status).toBe(201);
    const plan = (await created.json()) as { id: string };

    const refused = [
      await adminPlansRoute.GET(req("GET", "/api/v1/admin/plans", devToken), none),
      await adminPlansRoute.POST(req("POST", "/api/v1/admin/plans", devToken, { name: planName() }), none),
      await adminPlanRoute.GET(req("GET", `/api/v1/admin/plans/${plan.id}`, devToken), params(plan.id)),
      await adminPlanRoute.PATCH(
        req("PATCH", `/api/v1/admin/plans/${plan.id}`, devToken, { description: "x" }),
        params(plan.id),
      ),
      await adminPlanRoute.DELETE(req("DELETE", `/api/v1/admin/plans/${plan.id}`, devToken), params(plan.id)),
      await adminOrgsRoute.GET(req("GET", "/api/v1/admin/orgs", devToken), none),
      await adminOrgRoute.GET(req("GET", `/api/v1/admin/orgs/${dev.orgId}`, devToken), params(dev.orgId)),
      await adminOrgRoute.PATCH(
        req("PATCH", `/api/v1/admin/orgs/${dev.orgId}`, devToken, { planId: plan.id }),
        params(dev.orgId),
      ),
    ];
    for (const res of refused) {
      expect(res.status).toBe(403);
      expect(((await res.json()) as ErrorJson).error.code).toBe("forbidden");
    }
    expect((await prisma.organization.findUniqueOrThrow({ where: { id: dev.orgId } })).planId).toBeNull();

    const anonymous = await adminPlansRoute.GET(
      new NextRequest(`${BASE}/api/v1/admin/plans`, { headers: { authorization: "Bearer gmt_nope" } }),
      none,
    );
    expect(anonymous.status).toBe(401);

    const assigned = await adminOrgRoute.PATCH(
      req("PATCH", `/api/v1/admin/orgs/${dev.orgId}`, adminToken, { planId: plan.id }),
      params(dev.orgId),
    );
    expect(assigned.status).toBe(200);
    expect(((await assigned.json()) as { plan: { id: string } }).plan.id).toBe(plan.id);
    const list = await adminOrgsRoute.GET(req("GET", `/api/v1/admin/orgs?planId=${plan.id}`, adminToken), none);
    expect(((await list.json()) as { data: { id: string }[] }).data.map((o) => o.id)).toEqual([dev.orgId]);
    const inUse = await adminPlanRoute.DELETE(
      req("DELETE", `/api/v1/admin/plans/${plan.id}`, adminToken),
      params(plan.id),
    );
    expect(inUse.status).toBe(409);
    expect(((await inUse.json()) as ErrorJson).error.details).toEqual({ organizations: 1 });
  });

  it("validation errors are 422 with details; bad JSON is 400; nothing is written", async () => {
    const adminToken = await tokenFor(await admin());
    const dev = await createPrincipal();
    const expect422 = async (res: Response, paths: string[]) => {
      expect(res.status).toBe(422);
      const body = (await res.json()) as ErrorJson;
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.details?.map((d) => d.path).sort()).toEqual([...paths].sort());
    };
    const plansBefore = await prisma.plan.count();
    await expect422(
      await adminPlansRoute.POST(
        req("POST", "/api/v1/admin/plans", adminToken, {
          name: " ",
          rateLimits: [
            { limit: 10, windowSeconds: 60 },
            { limit: 20, windowSeconds: 60 },
          ],
          quota: { limit: 0, period: "week" },
          ipAllowlist: ["10.0.0.0/33"],
          timeWindows: [{ ...berlinWeekdays, timeZone: "Mars/Olympus" }],
          extra: true,
        }),
        none,
      ),
      ["", "ipAllowlist.0", "name", "quota.limit", "quota.period", "rateLimits", "timeWindows.0.timeZone"],
    );
    expect(await prisma.plan.count()).toBe(plansBefore);

    const plan = await newPlan(await admin());
    await expect422(
      await adminPlanRoute.PATCH(req("PATCH", `/api/v1/admin/plans/${plan.id}`, adminToken, {}), params(plan.id)),
      [""],
    );
    await expect422(
      await adminOrgRoute.PATCH(
        req("PATCH", `/api/v1/admin/orgs/${dev.orgId}`, adminToken, { planId: "nope" }),
        params(dev.orgId),
      ),
      ["planId"],
    );
    await expect422(await adminOrgsRoute.GET(req("GET", "/api/v1/admin/orgs?limit=0", adminToken), none), ["limit"]);
    const badJson = await adminPlansRoute.POST(req("POST", "/api/v1/admin/plans", adminToken, "{nope"), none);
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as ErrorJson).error.code).toBe("invalid_json");
    expect(await getPlan(await admin(), plan.id)).toEqual(plan);
  });

  it("PATCH /api/v1/oauth-clients/{id}: 200 on your own, 404 on another organization's, 422 on bad input", async () => {
    const a = await createPrincipal();
    const b = await createPrincipal();
    const client = await confidentialClient(a);
    const [tokenA, tokenB] = [await tokenFor(a), await tokenFor(b)];
    const path = `/api/v1/oauth-clients/${client.id}`;

    const other = await clientRoute.PATCH(req("PATCH", path, tokenB, { quota: { limit: 5 } }), params(client.id));
    expect(other.status).toBe(404);
    expect(((await other.json()) as ErrorJson).error.code).toBe("not_found");

    const bad = await clientRoute.PATCH(req("PATCH", path, tokenA, { rateLimits: [{ limit: -1 }] }), params(client.id));
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as ErrorJson).error.details?.map((d) => d.path).sort()).toEqual([
      "rateLimits.0.limit",
      "rateLimits.0.windowSeconds",
    ]);
    // Only policy fields: the client's name or scopes are not changed here.
    const notPolicy = await clientRoute.PATCH(req("PATCH", path, tokenA, { name: "renamed" }), params(client.id));
    expect(notPolicy.status).toBe(422);
    expect((await prisma.oAuthClient.findUniqueOrThrow({ where: { id: client.id } })).policy).toEqual({});

    const ok = await clientRoute.PATCH(req("PATCH", path, tokenA, { quota: { limit: 5 } }), params(client.id));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ id: client.id, policy: { quota: { limit: 5, period: "month" } } });
  });

  it("a viewer cannot change an OAuth client's policy (403: clients:write)", async () => {
    const owner = await createPrincipal();
    const client = await confidentialClient(owner);
    const viewer = await createPrincipal();
    await prisma.membership.create({ data: { orgId: owner.orgId, userId: viewer.userId, role: "viewer" } });
    const viewerToken = (
      await createToken(
        { ...viewer, orgId: owner.orgId, orgSlug: owner.orgSlug, orgRole: "viewer" },
        { name: "v" },
        meta,
      )
    ).token;
    const res = await clientRoute.PATCH(
      req("PATCH", `/api/v1/oauth-clients/${client.id}`, viewerToken, { quota: { limit: 5 } }),
      params(client.id),
    );
    expect(res.status).toBe(403);
    expect((await prisma.oAuthClient.findUniqueOrThrow({ where: { id: client.id } })).policy).toEqual({});
  });
});

describe.runIf(inject("databaseMode") === "server")("policy changes reach other processes (NOTIFY)", () => {
  it("plan, organization and client policy changes NOTIFY on commit; a refused change does not", async () => {
    const { received, end } = await listenForChanges(inject("databaseUrl"));
    try {
      const p = await admin();
      const dev = await createPrincipal();
      const client = await confidentialClient(dev);
      const plan = await newPlan(p);
      await updatePlan(p, plan.id, updatePlanSchema.parse({ quota: { limit: 9 } }), meta);
      await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ planId: plan.id }), meta);
      await updateClientPolicy(dev, client.id, updateClientPolicySchema.parse({ quota: { limit: 3 } }), meta);
      await updateOrgPolicy(p, dev.orgId, updateOrgPolicySchema.parse({ planId: "missing" }), meta).catch(() => null);
      await expect.poll(() => received.length).toBeGreaterThanOrEqual(3);
      await new Promise((r) => setTimeout(r, 200));
      const ours = received.filter(
        (c) =>
          (c.kind === "policy" && (c.orgId === undefined || c.orgId === dev.orgId)) ||
          (c.kind === "oauth_client" && c.clientId === client.clientId),
      );
      expect(ours).toEqual([
        { kind: "policy" },
        { kind: "policy", orgId: dev.orgId },
        { kind: "oauth_client", clientId: client.clientId },
      ]);
    } finally {
      await end();
    }
  });
});
