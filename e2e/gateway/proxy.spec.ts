// Gateway mode through Gatehouse's own port: an API registered in the catalog
// (POST /api/v1/apis with an OpenAPI document) is proxied to a real upstream
// after authorization — route rules decide the scopes, the upstream sees who
// called and never the credential, upstream errors pass through, a silent
// upstream is a 504 (the e2e server runs with GATEHOUSE_UPSTREAM_TIMEOUT_MS=1500),
// bodies stream, and a key's rate limit answers 429 with Retry-After.
import { expect, test } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { randomUpload } from "../../tests/support/upstream";
import { createKey, type Admin, type SignedIn } from "../fixtures";
import { startGateway } from "../support/gateway-process";
import {
  apiDocument,
  patchKey,
  rawRequest,
  registerApi,
  setUpCatalogApi,
  startTestUpstream,
  uid,
  untilRouted,
  type Seen,
  type TestUpstream,
} from "./catalog";

/** The e2e server's GATEHOUSE_UPSTREAM_TIMEOUT_MS (e2e/global-setup.ts); unknown for E2E_BASE_URL. */
const UPSTREAM_TIMEOUT_MS = 1_500;

test.describe.configure({ mode: "default" });

test.describe("gateway mode: Gatehouse proxies catalog APIs", () => {
  const tag = uid();
  const { doc, read, write } = apiDocument(tag);
  const base = `/gwe2e-${tag}`;
  let upstream: TestUpstream;
  let admin: Admin;
  let dev: SignedIn;
  let token: string;
  let full: { id: string; key: string };
  let readOnly: { id: string; key: string };

  test.beforeAll(async () => {
    upstream = await startTestUpstream(UPSTREAM_TIMEOUT_MS * 4);
    ({ admin, dev, token } = await setUpCatalogApi(
      { name: `Gateway ${tag}`, basePath: base, upstreamUrl: upstream.url, openapi: doc },
      "gateway",
    ));
    full = await createKey(dev.request, token, { name: "gw full", scopes: [read, write] });
    readOnly = await createKey(dev.request, token, { name: "gw read", scopes: [read] });
  });

  test.afterAll(async () => {
    await upstream?.close();
    await admin?.dispose();
    await dev?.request.dispose();
  });

  test("an allowed call reaches the upstream with who called, without the credential, query kept", async () => {
    const res = await rawRequest(`${baseURL}${base}/items?limit=5&q=a%20b&q=c`, {
      headers: {
        authorization: `Bearer ${full.key}`,
        "x-gatehouse-key-id": "key_forged",
        "x-gatehouse-org-id": "org_forged",
        "x-gatehouse-subject": "user_forged",
        "x-request-id": "kept-123",
      },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.headers["x-upstream"]).toBe("yes");
    const seen = JSON.parse(res.text) as Seen;
    expect(seen.method).toBe("GET");
    expect(seen.url).toBe("/items?limit=5&q=a%20b&q=c");
    expect(seen.headers["x-gatehouse-key-id"]).toBe(full.id);
    expect(seen.headers["x-gatehouse-org-id"]).toMatch(/\S/);
    expect(seen.headers["x-gatehouse-org-id"]).not.toBe("org_forged");
    expect(String(seen.headers["x-gatehouse-scopes"]).split(" ").sort()).toEqual([read, write].sort());
    expect(seen.headers["x-gatehouse-environment"]).toBe("live");
    expect(seen.headers["x-gatehouse-subject"]).toBeUndefined();
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers["x-request-id"]).toBe("kept-123");
    expect(seen.headers.host).toBe(`127.0.0.1:${upstream.port}`);
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.1");
    expect(seen.headers["x-forwarded-proto"]).toBe("http");
    expect(seen.headers["x-forwarded-host"]).toBe(new URL(baseURL).host);

    // X-API-Key works too and is not passed on either; a path parameter route matches.
    const viaHeader = await rawRequest(`${baseURL}${base}/items/42`, { headers: { "x-api-key": full.key } });
    expect(viaHeader.status).toBe(200);
    const seen2 = JSON.parse(viaHeader.text) as Seen;
    expect(seen2.url).toBe("/items/42");
    expect(seen2.headers["x-api-key"]).toBeUndefined();
    expect(seen2.headers["x-gatehouse-key-id"]).toBe(full.id);
  });

  test("an operation's scope is required: missing → 403 INSUFFICIENT_SCOPE, never reaching the upstream", async () => {
    const res = await rawRequest(`${baseURL}${base}/items`, {
      method: "POST",
      headers: { authorization: `Bearer ${readOnly.key}`, "content-type": "application/json" },
      body: '{"name":"x"}',
    });
    expect(res.status).toBe(403);
    expect(res.headers["x-gatehouse-decision"]).toBe("INSUFFICIENT_SCOPE");
    expect(res.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    expect(res.headers["x-upstream"]).toBeUndefined();
    const body = JSON.parse(res.text) as { error: { code: string; missingScopes: string[]; requestId: string } };
    expect(body.error.code).toBe("forbidden");
    expect(body.error.missingScopes).toEqual([write]);
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);

    const ok = await rawRequest(`${baseURL}${base}/items`, {
      method: "POST",
      headers: { authorization: `Bearer ${full.key}`, "content-type": "application/json" },
      body: '{"name":"x"}',
    });
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.text) as Seen).bodyBytes).toBe(12);
  });

  test("no credential → 401; a public operation needs none; an unknown operation → 404", async () => {
    const none = await rawRequest(`${baseURL}${base}/items`);
    expect(none.status).toBe(401);
    expect(none.headers["x-gatehouse-decision"]).toBe("MISSING");
    expect(none.headers["www-authenticate"]).toContain('error="invalid_token"');
    expect((JSON.parse(none.text) as { error: { code: string } }).error.code).toBe("unauthorized");

    const health = await rawRequest(`${baseURL}${base}/health`);
    expect(health.status).toBe(200);
    expect((JSON.parse(health.text) as Seen).headers["x-gatehouse-key-id"]).toBeUndefined();

    const unknown = await rawRequest(`${baseURL}${base}/nothing-here`, {
      headers: { authorization: `Bearer ${full.key}` },
    });
    expect(unknown.status).toBe(404);
    expect(unknown.headers["x-gatehouse-decision"]).toBe("ROUTE_NOT_FOUND");
  });

  test("upstream errors pass through unchanged", async () => {
    const auth = { authorization: `Bearer ${full.key}` };
    const down = await rawRequest(`${baseURL}${base}/unavailable`, { headers: auth });
    expect(down.status).toBe(503);
    expect(down.headers["retry-after"]).toBe("120");
    expect(down.headers["x-upstream"]).toBe("yes");
    expect(down.text).toBe("upstream maintenance");

    const fail = await rawRequest(`${baseURL}${base}/fail`, { headers: auth });
    expect(fail.status).toBe(500);
    expect(fail.text).toBe("upstream exploded");
  });

  test("a slow upstream → 504 in Gatehouse's error shape", async () => {
    test.skip(Boolean(process.env.E2E_BASE_URL), "needs the e2e server's GATEHOUSE_UPSTREAM_TIMEOUT_MS");
    const started = Date.now();
    const res = await rawRequest(`${baseURL}${base}/slow`, { headers: { authorization: `Bearer ${full.key}` } });
    const took = Date.now() - started;
    expect(res.status).toBe(504);
    const body = JSON.parse(res.text) as { error: { code: string; message: string; requestId: string } };
    expect(body.error.code).toBe("gateway_timeout");
    expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(took).toBeGreaterThanOrEqual(UPSTREAM_TIMEOUT_MS - 100);
    expect(took).toBeLessThan(UPSTREAM_TIMEOUT_MS * 3);
  });

  test("a multi-megabyte upload streams through intact (chunked, no Content-Length)", async () => {
    const size = 32 * 1024 * 1024;
    const upload = randomUpload(size, 64 * 1024);
    const res = await rawRequest(`${baseURL}${base}/upload`, {
      method: "PUT",
      headers: { authorization: `Bearer ${full.key}`, "content-type": "application/octet-stream" },
      body: upload.body,
    });
    expect(res.status, res.text.slice(0, 300)).toBe(200);
    const seen = JSON.parse(res.text) as Seen;
    expect(seen.bodyBytes).toBe(size);
    expect(seen.sha256).toBe(upload.sha256());
    expect(seen.headers["content-type"]).toBe("application/octet-stream");
  });

  test("a rate limit on the key: the 4th call in the window → 429 with Retry-After and RateLimit headers", async () => {
    const k = await createKey(dev.request, token, { name: "gw limited", scopes: [read] });
    await patchKey(dev.request, token, k.id, { rateLimits: [{ limit: 3, windowSeconds: 60 }] });
    const call = () => rawRequest(`${baseURL}${base}/items`, { headers: { authorization: `Bearer ${k.key}` } });
    for (let i = 1; i <= 3; i++) {
      const ok = await call();
      expect(ok.status, `call ${i}`).toBe(200);
      expect(ok.headers["ratelimit-policy"]).toBeTruthy();
      expect(ok.headers.ratelimit).toMatch(new RegExp(`r=${3 - i}\\b`));
    }
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(limited.headers["x-gatehouse-decision"]).toBe("RATE_LIMITED");
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(0);
    expect(Number(limited.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(limited.headers["ratelimit-policy"]).toBeTruthy();
    expect(limited.headers.ratelimit).toMatch(/r=0\b/);
    expect(limited.headers["x-upstream"]).toBeUndefined();
    expect((JSON.parse(limited.text) as { error: { code: string } }).error.code).toBe("rate_limited");
  });

  test("`npm run gateway` (a data-plane process of its own) proxies too, and learns new APIs by NOTIFY", async () => {
    test.skip(
      !process.env.E2E_DATABASE_URL,
      "needs the e2e server on a real PostgreSQL (the embedded one is single-process)",
    );
    const gateway = await startGateway({});
    try {
      const ok = await rawRequest(`${gateway.url}${base}/items?x=1`, {
        headers: { authorization: `Bearer ${full.key}` },
      });
      expect(ok.status, ok.text).toBe(200);
      const seen = JSON.parse(ok.text) as Seen;
      expect(seen.url).toBe("/items?x=1");
      expect(seen.headers["x-gatehouse-key-id"]).toBe(full.id);

      // Registered after the process started: its route table reloads on the catalog change.
      const later = `/gwe2e-later-${uid()}`;
      await registerApi(admin, { name: `Later ${tag}`, basePath: later, upstreamUrl: upstream.url });
      await untilRouted(`${gateway.url}${later}/anything`);
      const proxied = await rawRequest(`${gateway.url}${later}/anything`, {
        headers: { authorization: `Bearer ${full.key}` },
      });
      expect(proxied.status, proxied.text).toBe(200);
      expect((JSON.parse(proxied.text) as Seen).url).toBe("/anything");
    } finally {
      await gateway.stop();
    }
  });
});
