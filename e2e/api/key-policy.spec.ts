// REST contract of PATCH /api/v1/keys/{id}: per-key policy (IP allowlist, time
// windows, rate limits, quota) and usage cap (remaining + refill). Present fields
// replace, null clears, absent fields are left alone.
import { expect, request as playwrightRequest, test, type APIRequestContext, type APIResponse } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { createKey, managementToken, newDeveloper } from "../fixtures";

type Detail = { path: string; message: string };
type KeyBody = {
  id: string;
  name: string;
  status: string;
  policy: Record<string, unknown>;
  remaining: number | null;
  refill: { amount: number; interval: string } | null;
};

const berlin = { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" };

async function expect422(res: APIResponse): Promise<Detail[]> {
  const text = await res.text();
  expect(res.status(), text).toBe(422);
  const body = JSON.parse(text) as { error: { code: string; message: string; requestId: string; details: Detail[] } };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe("validation_failed");
  expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(Array.isArray(body.error.details)).toBe(true);
  return body.error.details;
}

async function setup(tag: string) {
  const dev = await newDeveloper(tag);
  const token = await managementToken(dev);
  const api: APIRequestContext = await playwrightRequest.newContext({
    baseURL,
    extraHTTPHeaders: { authorization: `Bearer ${token}` },
  });
  const key = await createKey(api, token, { name: `${tag} key`, scopes: ["read:profile"] });
  return { dev, token, api, key };
}

test("PATCH stores policy, remaining and refill; GET and list show them; null clears one field", async () => {
  const { api, key } = await setup("policy-patch");
  const body = {
    ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"],
    timeWindows: [berlin],
    rateLimits: [
      { limit: 10, windowSeconds: 1 },
      { limit: 1000, windowSeconds: 3600 },
    ],
    quota: { limit: 100000, period: "month" },
    remaining: 500,
    refill: { amount: 500, interval: "daily" },
  };
  const res = await api.patch(`/api/v1/keys/${key.id}`, { data: body });
  expect(res.status(), await res.text()).toBe(200);
  const updated = (await res.json()) as KeyBody;
  const { remaining, refill, ...policy } = body;
  expect(updated).toMatchObject({ id: key.id, status: "active", policy, remaining, refill });
  expect(updated).not.toHaveProperty("hash");
  expect(updated).not.toHaveProperty("key");

  const one = (await (await api.get(`/api/v1/keys/${key.id}`)).json()) as KeyBody;
  expect(one).toMatchObject({ policy, remaining, refill });
  const list = (await (await api.get("/api/v1/keys")).json()) as { data: KeyBody[] };
  expect(list.data.find((k) => k.id === key.id)).toMatchObject({ policy, remaining, refill });

  // Absent fields stay; a present one replaces; null removes just that field.
  const cleared = await api.patch(`/api/v1/keys/${key.id}`, {
    data: { ipAllowlist: null, rateLimits: [{ limit: 5, windowSeconds: 1 }], refill: null },
  });
  expect(cleared.status(), await cleared.text()).toBe(200);
  const after = (await cleared.json()) as KeyBody;
  expect(after.policy).toEqual({
    timeWindows: [berlin],
    rateLimits: [{ limit: 5, windowSeconds: 1 }],
    quota: { limit: 100000, period: "month" },
  });
  expect(after).toMatchObject({ remaining: 500, refill: null });

  const renamed = await api.patch(`/api/v1/keys/${key.id}`, { data: { name: "renamed", remaining: null } });
  expect(renamed.status()).toBe(200);
  expect(await renamed.json()).toMatchObject({ name: "renamed", remaining: null, policy: after.policy });

  await api.dispose();
});

test("PATCH with the portal session cookie works too (same origin)", async () => {
  const { dev, api, key } = await setup("policy-session");
  const res = await dev.request.patch(`/api/v1/keys/${key.id}`, { data: { quota: { limit: 10, period: "day" } } });
  expect(res.status(), await res.text()).toBe(200);
  expect(((await res.json()) as KeyBody).policy).toEqual({ quota: { limit: 10, period: "day" } });
  const csrf = await dev.request.patch(`/api/v1/keys/${key.id}`, {
    headers: { origin: "http://evil.example" },
    data: { quota: null },
  });
  expect(csrf.status()).toBe(403);
  expect(((await (await api.get(`/api/v1/keys/${key.id}`)).json()) as KeyBody).policy).toEqual({
    quota: { limit: 10, period: "day" },
  });
  await api.dispose();
});

test("invalid input → 422 with details naming the field; nothing is stored", async () => {
  const { api, key } = await setup("policy-422");
  const url = `/api/v1/keys/${key.id}`;

  let details = await expect422(await api.patch(url, { data: { ipAllowlist: ["10.0.0.0/8", "10.0.0.300/8"] } }));
  expect(details).toContainEqual({ path: "ipAllowlist.1", message: expect.stringContaining("CIDR") });

  details = await expect422(await api.patch(url, { data: { timeWindows: [{ ...berlin, timeZone: "Mars/Olympus" }] } }));
  expect(details).toContainEqual({ path: "timeWindows.0.timeZone", message: expect.stringContaining("time zone") });

  details = await expect422(await api.patch(url, { data: { timeWindows: [{ ...berlin, days: [] }] } }));
  expect(details.map((d) => d.path)).toContain("timeWindows.0.days");

  details = await expect422(
    await api.patch(url, {
      data: {
        rateLimits: [
          { limit: 10, windowSeconds: 60 },
          { limit: 20, windowSeconds: 60 },
        ],
      },
    }),
  );
  expect(details).toContainEqual({ path: "rateLimits", message: "One limit per window length." });

  details = await expect422(await api.patch(url, { data: { quota: { limit: 0 } } }));
  expect(details.map((d) => d.path)).toContain("quota.limit");

  details = await expect422(await api.patch(url, { data: { refill: { amount: 10, interval: "weekly" } } }));
  expect(details.map((d) => d.path)).toContain("refill.interval");

  details = await expect422(await api.patch(url, { data: { remaining: -1 } }));
  expect(details.map((d) => d.path)).toContain("remaining");

  await expect422(await api.patch(url, { data: {} }));
  details = await expect422(await api.patch(url, { data: { scopes: ["admin"] } }));
  expect(JSON.stringify(details)).toContain("scopes");

  const malformed = await api.patch(url, {
    headers: { "content-type": "application/json" },
    data: Buffer.from('{"remaining": '),
  });
  expect(malformed.status()).toBe(400);

  const stored = (await (await api.get(url)).json()) as KeyBody;
  expect(stored).toMatchObject({ policy: {}, remaining: null, refill: null });
  await api.dispose();
});

test("another organization's key → 404, unknown id → 404, revoked key → 409", async () => {
  const alice = await setup("policy-alice");
  const bob = await setup("policy-bob");

  const cross = await bob.api.patch(`/api/v1/keys/${alice.key.id}`, { data: { ipAllowlist: ["0.0.0.0/0"] } });
  expect(cross.status()).toBe(404);
  expect(((await cross.json()) as { error: { code: string } }).error.code).toBe("not_found");
  const crossSession = await bob.dev.request.patch(`/api/v1/keys/${alice.key.id}`, { data: { remaining: 1 } });
  expect(crossSession.status()).toBe(404);
  expect((await bob.api.patch("/api/v1/keys/does-not-exist", { data: { remaining: 1 } })).status()).toBe(404);
  const aliceKey = (await (await alice.api.get(`/api/v1/keys/${alice.key.id}`)).json()) as KeyBody;
  expect(aliceKey).toMatchObject({ policy: {}, remaining: null });

  expect((await alice.api.delete(`/api/v1/keys/${alice.key.id}`)).status()).toBe(200);
  const revoked = await alice.api.patch(`/api/v1/keys/${alice.key.id}`, { data: { remaining: 1 } });
  expect(revoked.status()).toBe(409);
  expect(((await revoked.json()) as { error: { code: string } }).error.code).toBe("conflict");

  const anonymous = await playwrightRequest.newContext({ baseURL });
  expect((await anonymous.patch(`/api/v1/keys/${bob.key.id}`, { data: { remaining: 1 } })).status()).toBe(401);
  await anonymous.dispose();
  await alice.api.dispose();
  await bob.api.dispose();
});

test("the OpenAPI document lists PATCH /api/v1/keys/{id} and POST /api/v1/simulate", async () => {
  const anonymous = await playwrightRequest.newContext({ baseURL });
  const doc = (await (await anonymous.get("/api/v1/openapi.json")).json()) as {
    paths: Record<string, Record<string, unknown>>;
    components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
  };
  expect(doc.paths["/api/v1/keys/{id}"]).toHaveProperty("patch");
  expect(doc.paths["/api/v1/simulate"]).toHaveProperty("post");
  expect(Object.keys(doc.components.schemas.UpdateKeyRequest?.properties ?? {}).sort()).toEqual([
    "ipAllowlist",
    "name",
    "quota",
    "rateLimits",
    "refill",
    "remaining",
    "timeWindows",
  ]);
  expect(doc.components.schemas.ApiKey?.properties).toHaveProperty("policy");
  await anonymous.dispose();
});
