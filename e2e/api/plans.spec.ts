// REST contract of plans and organization policies (/api/v1/admin/plans,
// /api/v1/admin/orgs — platform admins) and of OAuth-client policies
// (PATCH /api/v1/oauth-clients/{id} — developers, their own clients): the one
// error shape, 403 for non-admins, 404 across organizations, 409 for a plan in
// use, 422 with details — and a plan's rate limit as /v1/verify applies it,
// changed limits taking effect on the next call.
import SwaggerParser from "@apidevtools/swagger-parser";
import { randomBytes } from "node:crypto";
import { expect, request as playwrightRequest, test, type APIRequestContext } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { adminToken, createKey, expectApiError, managementToken, newDeveloper, verify } from "../fixtures";

type Detail = { path: string; message: string };
type Policy = Record<string, unknown>;
type PlanBody = {
  id: string;
  name: string;
  description: string;
  policy: Policy;
  organizations: number;
  createdAt: string;
  updatedAt: string;
};
type OrgBody = {
  id: string;
  slug: string;
  name: string;
  kind: string;
  plan: { id: string; name: string } | null;
  policy: Policy;
  members: number;
  createdAt: string;
};

const PLAN_FIELDS = ["createdAt", "description", "id", "name", "organizations", "policy", "updatedAt"];
const ORG_FIELDS = ["createdAt", "id", "kind", "members", "name", "plan", "policy", "slug"];
const planName = (tag = "e2e") => `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;
const berlin = { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" };

/** A request context sending a management token. */
async function withToken(token: string): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
}

/** The platform admin's management token API. */
async function adminApi(): Promise<APIRequestContext> {
  return withToken(await adminToken());
}

/** A new developer: their token's API and the id of their (personal) organization. */
async function developer(tag: string) {
  const dev = await newDeveloper(tag);
  const token = await managementToken(dev);
  const api = await withToken(token);
  const key = await createKey(api, token, { name: `${tag} key` });
  const verified = await verify(api, key.key);
  const orgId = (verified.body as { orgId?: string }).orgId;
  if (!orgId) throw new Error("verify did not return orgId");
  return { dev, token, api, key, orgId };
}

test.describe("/api/v1/admin/plans", () => {
  test("create, list, get, patch (merge, null clears), delete", async () => {
    const admin = await adminApi();
    const name = planName("pro");
    const created = await admin.post("/api/v1/admin/plans", {
      data: {
        name,
        description: "For teams",
        rateLimits: [
          { limit: 10, windowSeconds: 1 },
          { limit: 1000, windowSeconds: 3600 },
        ],
        quota: { limit: 100000 },
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    const plan = (await created.json()) as PlanBody;
    expect(Object.keys(plan).sort()).toEqual(PLAN_FIELDS);
    expect(plan).toMatchObject({
      name,
      description: "For teams",
      organizations: 0,
      policy: {
        rateLimits: [
          { limit: 10, windowSeconds: 1 },
          { limit: 1000, windowSeconds: 3600 },
        ],
        quota: { limit: 100000, period: "month" },
      },
    });
    expect(new Date(plan.createdAt).toISOString()).toBe(plan.createdAt);

    const list = (await (await admin.get("/api/v1/admin/plans")).json()) as { data: PlanBody[] };
    expect(list.data.find((p) => p.id === plan.id)).toEqual(plan);
    expect(await (await admin.get(`/api/v1/admin/plans/${plan.id}`)).json()).toEqual(plan);

    const patched = await admin.patch(`/api/v1/admin/plans/${plan.id}`, {
      data: { quota: null, timeWindows: [berlin], ipAllowlist: ["10.0.0.0/8"] },
    });
    expect(patched.status(), await patched.text()).toBe(200);
    expect(((await patched.json()) as PlanBody).policy).toEqual({
      rateLimits: [
        { limit: 10, windowSeconds: 1 },
        { limit: 1000, windowSeconds: 3600 },
      ],
      timeWindows: [berlin],
      ipAllowlist: ["10.0.0.0/8"],
    });
    const renamed = await admin.patch(`/api/v1/admin/plans/${plan.id}`, { data: { name: `${name}-x` } });
    expect(((await renamed.json()) as PlanBody).name).toBe(`${name}-x`);

    const removed = await admin.delete(`/api/v1/admin/plans/${plan.id}`);
    expect(removed.status()).toBe(200);
    expect(((await removed.json()) as PlanBody).id).toBe(plan.id);
    await expectApiError(await admin.get(`/api/v1/admin/plans/${plan.id}`), 404, "not_found");
    await expectApiError(await admin.delete(`/api/v1/admin/plans/${plan.id}`), 404, "not_found");
    await expectApiError(
      await admin.patch(`/api/v1/admin/plans/${plan.id}`, { data: { description: "x" } }),
      404,
      "not_found",
    );
    await admin.dispose();
  });

  test("errors: 409 for a taken name, 422 with details, 400 for bad JSON", async () => {
    const admin = await adminApi();
    const name = planName("taken");
    expect((await admin.post("/api/v1/admin/plans", { data: { name } })).status()).toBe(201);
    const conflict = await expectApiError(
      await admin.post("/api/v1/admin/plans", { data: { name: name.toUpperCase() } }),
      409,
      "conflict",
    );
    expect(conflict.details).toEqual([{ path: "name", message: expect.any(String) }]);

    const invalid = await expectApiError(
      await admin.post("/api/v1/admin/plans", {
        data: {
          name: "",
          rateLimits: [
            { limit: 1, windowSeconds: 60 },
            { limit: 2, windowSeconds: 60 },
          ],
          quota: { limit: 0 },
          ipAllowlist: ["300.1.1.1"],
          timeWindows: [{ ...berlin, timeZone: "Nowhere/Else" }],
        },
      }),
      422,
      "validation_failed",
    );
    expect((invalid.details as Detail[]).map((d) => d.path).sort()).toEqual([
      "ipAllowlist.0",
      "name",
      "quota.limit",
      "rateLimits",
      "timeWindows.0.timeZone",
    ]);
    const empty = await expectApiError(
      await admin.patch(`/api/v1/admin/plans/whatever`, { data: {} }),
      422,
      "validation_failed",
    );
    expect(empty.message).toBe("Send at least one field to change.");
    const badJson = await admin.post("/api/v1/admin/plans", {
      headers: { "content-type": "application/json" },
      data: Buffer.from("{not json"),
    });
    await expectApiError(badJson, 400, "invalid_json");
    await admin.dispose();
  });

  test("developers are refused on every admin path (403), signed-out callers get 401", async () => {
    const admin = await adminApi();
    const plan = (await (await admin.post("/api/v1/admin/plans", { data: { name: planName() } })).json()) as PlanBody;
    const { api, orgId } = await developer("plans-403");
    for (const res of [
      await api.get("/api/v1/admin/plans"),
      await api.post("/api/v1/admin/plans", { data: { name: planName() } }),
      await api.get(`/api/v1/admin/plans/${plan.id}`),
      await api.patch(`/api/v1/admin/plans/${plan.id}`, { data: { description: "mine now" } }),
      await api.delete(`/api/v1/admin/plans/${plan.id}`),
      await api.get("/api/v1/admin/orgs"),
      await api.get(`/api/v1/admin/orgs/${orgId}`),
      await api.patch(`/api/v1/admin/orgs/${orgId}`, { data: { planId: plan.id } }),
    ]) {
      await expectApiError(res, 403, "forbidden");
    }
    expect(((await (await admin.get(`/api/v1/admin/orgs/${orgId}`)).json()) as OrgBody).plan).toBeNull();
    const anonymous = await playwrightRequest.newContext({ baseURL });
    await expectApiError(await anonymous.get("/api/v1/admin/plans"), 401, "unauthorized");
    await expectApiError(await anonymous.get("/api/v1/admin/orgs"), 401, "unauthorized");
    await anonymous.dispose();
    await api.dispose();
    await admin.dispose();
  });
});

test.describe("/api/v1/admin/orgs", () => {
  test("assign a plan and set the org policy; list and filter; a plan in use is not deleted (409)", async () => {
    const admin = await adminApi();
    const plan = (await (
      await admin.post("/api/v1/admin/plans", { data: { name: planName("team"), quota: { limit: 500 } } })
    ).json()) as PlanBody;
    const { api, orgId } = await developer("plans-org");

    const assigned = await admin.patch(`/api/v1/admin/orgs/${orgId}`, {
      data: { planId: plan.id, rateLimits: [{ limit: 100, windowSeconds: 60 }] },
    });
    expect(assigned.status(), await assigned.text()).toBe(200);
    const org = (await assigned.json()) as OrgBody;
    expect(Object.keys(org).sort()).toEqual(ORG_FIELDS);
    expect(org).toMatchObject({
      id: orgId,
      kind: "personal",
      plan: { id: plan.id, name: plan.name },
      policy: { rateLimits: [{ limit: 100, windowSeconds: 60 }] },
      members: 1,
    });
    expect(await (await admin.get(`/api/v1/admin/orgs/${orgId}`)).json()).toEqual(org);

    const onPlan = (await (await admin.get(`/api/v1/admin/orgs?planId=${plan.id}`)).json()) as {
      data: OrgBody[];
      nextCursor: string | null;
    };
    expect(onPlan).toEqual({ data: [org], nextCursor: null });
    const bySlug = (await (await admin.get(`/api/v1/admin/orgs?q=${encodeURIComponent(org.slug)}`)).json()) as {
      data: OrgBody[];
    };
    expect(bySlug.data.map((o) => o.id)).toEqual([orgId]);
    const page = (await (await admin.get("/api/v1/admin/orgs?limit=1")).json()) as {
      data: OrgBody[];
      nextCursor: string | null;
    };
    expect(page.data).toHaveLength(1);
    expect(page.nextCursor).toBe(page.data[0].slug);
    await expectApiError(await admin.get("/api/v1/admin/orgs?limit=9999"), 422, "validation_failed");

    expect(((await (await admin.get(`/api/v1/admin/plans/${plan.id}`)).json()) as PlanBody).organizations).toBe(1);
    const inUse = await expectApiError(await admin.delete(`/api/v1/admin/plans/${plan.id}`), 409, "conflict");
    expect(inUse.details).toEqual({ organizations: 1 });
    expect(inUse.message).toContain("1 organization");

    const unknownPlan = await expectApiError(
      await admin.patch(`/api/v1/admin/orgs/${orgId}`, { data: { planId: "no-such-plan" } }),
      422,
      "validation_failed",
    );
    expect((unknownPlan.details as Detail[]).map((d) => d.path)).toEqual(["planId"]);
    await expectApiError(
      await admin.patch(`/api/v1/admin/orgs/no-such-org`, { data: { planId: null } }),
      404,
      "not_found",
    );

    const detached = await admin.patch(`/api/v1/admin/orgs/${orgId}`, { data: { planId: null, rateLimits: null } });
    expect(await detached.json()).toMatchObject({ plan: null, policy: {} });
    expect((await admin.delete(`/api/v1/admin/plans/${plan.id}`)).status()).toBe(200);
    await api.dispose();
    await admin.dispose();
  });

  test("a plan's rate limit applies to the org's keys at /v1/verify; plan changes apply on the next call", async () => {
    const admin = await adminApi();
    const plan = (await (
      await admin.post("/api/v1/admin/plans", {
        data: { name: planName("metered"), rateLimits: [{ limit: 2, windowSeconds: 60 }] },
      })
    ).json()) as PlanBody;
    const { api, key, orgId } = await developer("plans-verify");
    // Before the plan: no limit (and the key's record is cached by the data plane now).
    expect((await verify(api, key.key)).body.code).toBe("VALID");

    expect((await admin.patch(`/api/v1/admin/orgs/${orgId}`, { data: { planId: plan.id } })).status()).toBe(200);
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await verify(api, key.key)).body.code);
    expect(codes).toEqual(["VALID", "VALID", "RATE_LIMITED"]);

    // Raise the plan's limit: the next call passes under the new window.
    expect(
      (
        await admin.patch(`/api/v1/admin/plans/${plan.id}`, {
          data: { rateLimits: [{ limit: 50, windowSeconds: 60 }] },
        })
      ).status(),
    ).toBe(200);
    const raised = await api.post("/v1/verify", { data: { key: key.key } });
    expect(((await raised.json()) as { code: string }).code).toBe("VALID");
    expect(raised.headers()["ratelimit-policy"]).toBe('"key-60s";q=50;w=60');

    // Off the plan: unlimited again.
    await admin.patch(`/api/v1/admin/orgs/${orgId}`, { data: { planId: null } });
    const free = await api.post("/v1/verify", { data: { key: key.key } });
    expect(((await free.json()) as { code: string }).code).toBe("VALID");
    expect(free.headers()["ratelimit-policy"]).toBeUndefined();
    await api.dispose();
    await admin.dispose();
  });
});

test.describe("PATCH /api/v1/oauth-clients/{id}", () => {
  test("sets the client's policy on your own client; 404 on someone else's; 422 with details", async () => {
    const a = await developer("client-policy-a");
    const b = await developer("client-policy-b");
    const created = await a.api.post("/api/v1/oauth-clients", {
      data: { name: "batch", grantTypes: ["client_credentials"], scopes: ["read:profile"] },
    });
    expect(created.status(), await created.text()).toBe(201);
    const client = (await created.json()) as { id: string; clientId: string };

    const res = await a.api.patch(`/api/v1/oauth-clients/${client.id}`, {
      data: { rateLimits: [{ limit: 5, windowSeconds: 1 }], quota: { limit: 1000, period: "day" } },
    });
    expect(res.status(), await res.text()).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: client.id,
      clientId: client.clientId,
      status: "active",
      policy: { rateLimits: [{ limit: 5, windowSeconds: 1 }], quota: { limit: 1000, period: "day" } },
    });
    expect(JSON.stringify(body)).not.toMatch(/secretHash|gcs_/);
    const cleared = await a.api.patch(`/api/v1/oauth-clients/${client.id}`, { data: { quota: null } });
    expect(((await cleared.json()) as { policy: Policy }).policy).toEqual({
      rateLimits: [{ limit: 5, windowSeconds: 1 }],
    });

    await expectApiError(
      await b.api.patch(`/api/v1/oauth-clients/${client.id}`, { data: { quota: { limit: 1 } } }),
      404,
      "not_found",
    );
    const invalid = await expectApiError(
      await a.api.patch(`/api/v1/oauth-clients/${client.id}`, { data: { ipAllowlist: ["nope"], rateLimits: null } }),
      422,
      "validation_failed",
    );
    expect((invalid.details as Detail[]).map((d) => d.path)).toEqual(["ipAllowlist.0"]);
    await a.api.dispose();
    await b.api.dispose();
  });
});

test("the OpenAPI document describes the plan, organization and client-policy paths", async () => {
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const doc = (await (await anonymous.get("/api/v1/openapi.json")).json()) as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown>; additionalProperties?: boolean }> };
  };
  const methods = (p: string) =>
    Object.keys(doc.paths[p] ?? {})
      .filter((m) => ["get", "post", "put", "patch", "delete"].includes(m))
      .sort();
  expect(methods("/api/v1/admin/plans")).toEqual(["get", "post"]);
  expect(methods("/api/v1/admin/plans/{id}")).toEqual(["delete", "get", "patch"]);
  expect(methods("/api/v1/admin/orgs")).toEqual(["get"]);
  expect(methods("/api/v1/admin/orgs/{id}")).toEqual(["get", "patch"]);
  expect(methods("/api/v1/oauth-clients/{id}")).toContain("patch");
  expect(Object.keys(doc.components.schemas.UpdateOrganizationPolicyRequest.properties ?? {}).sort()).toEqual([
    "ipAllowlist",
    "planId",
    "quota",
    "rateLimits",
    "timeWindows",
  ]);
  expect(doc.components.schemas.CreatePlanRequest.additionalProperties).toBe(false);
  await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeTruthy();
  await anonymous.dispose();
});
