// A real NGINX running the documented configuration (docs/gateways/nginx.conf)
// in front of an API from Gatehouse's catalog: the OpenAPI import's route rules
// decide the scopes (the location names none), a key's rate limit reaches the
// client as 429 with Retry-After and RateLimit headers (auth_request alone would
// make it a 500), and a key's IP allowlist is checked against the client's real
// address — the e2e server trusts NGINX (GATEHOUSE_TRUSTED_PROXIES=127.0.0.1),
// and the test connects from other loopback addresses (127.0.0.2, 127.0.0.3).
import { expect, test } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { createKey, type Admin, type SignedIn } from "../fixtures";
import {
  apiDocument,
  patchKey,
  rawRequest,
  setUpCatalogApi,
  startTestUpstream,
  uid,
  type RawResponse,
  type Seen,
  type TestUpstream,
} from "./catalog";
import { attachErrorLogOnFailure, findNginxOrWarn, startDocumentedNginx, type DocumentedNginx } from "./nginx";

const nginxBin = findNginxOrWarn("NGINX policy e2e");

test.describe.configure({ mode: "default" });

test.describe("NGINX auth_request with catalog route rules, rate limits and IP allowlists", () => {
  test.skip(!nginxBin, "nginx is not on PATH");

  const tag = uid();
  const { doc, read, write } = apiDocument(tag);
  const base = `/ngx-${tag}`;
  let upstream: TestUpstream;
  let nginx: DocumentedNginx;
  let gw: string;
  let admin: Admin;
  let dev: SignedIn;
  let token: string;
  let readKey: { id: string; key: string };
  let fullKey: { id: string; key: string };

  test.beforeAll(async () => {
    upstream = await startTestUpstream();
    nginx = await startDocumentedNginx(
      nginxBin!,
      { gatehouse: new URL(baseURL).host, upstream: `127.0.0.1:${upstream.port}`, catalogBasePath: base },
      "gatehouse-nginx-policy-",
    );
    gw = nginx.url;

    // Waits on Gatehouse's own port (it proxies catalog APIs too): a 401 there means the route table has the API.
    ({ admin, dev, token } = await setUpCatalogApi(
      { name: `NGINX ${tag}`, basePath: base, upstreamUrl: upstream.url, openapi: doc },
      "nginx-policy",
    ));
    readKey = await createKey(dev.request, token, { name: "ngx read", scopes: [read] });
    fullKey = await createKey(dev.request, token, { name: "ngx full", scopes: [read, write] });
  });

  test.afterAll(async () => {
    await nginx?.stop();
    await upstream?.close();
    await admin?.dispose();
    await dev?.request.dispose();
  });

  test.afterEach(({}, testInfo) => attachErrorLogOnFailure(nginx, testInfo));

  const bearer = (k: { key: string }) => ({ authorization: `Bearer ${k.key}` });

  function expectDenial(res: RawResponse, status: number, decision: string, code: string) {
    expect(res.status, res.text).toBe(status);
    expect(res.headers["x-gatehouse-decision"]).toBe(decision);
    expect(res.headers["content-type"]).toContain("application/json");
    const body = JSON.parse(res.text) as { error: { code: string; decision: string; requestId: string } };
    expect(body.error.code).toBe(code);
    expect(body.error.decision).toBe(decision);
    expect(body.error.requestId).toBeTruthy();
  }

  test("the imported operation's scopes decide: without write:… → 403 INSUFFICIENT_SCOPE; with it → 200", async () => {
    const listed = await rawRequest(`${gw}${base}/items?page=2`, { headers: bearer(readKey) });
    expect(listed.status, listed.text).toBe(200);
    const seen = JSON.parse(listed.text) as Seen;
    expect(seen.url).toBe("/items?page=2");
    expect(seen.headers["x-gatehouse-key-id"]).toBe(readKey.id);
    expect(seen.headers.authorization).toBeUndefined();
    expect(listed.headers["x-gatehouse-decision"]).toBeUndefined();

    const denied = await rawRequest(`${gw}${base}/items`, {
      method: "POST",
      headers: { ...bearer(readKey), "content-type": "application/json" },
      body: "{}",
    });
    expectDenial(denied, 403, "INSUFFICIENT_SCOPE", "forbidden");
    expect(denied.headers["www-authenticate"]).toContain('error="insufficient_scope"');
    expect(denied.headers["www-authenticate"]).toContain(`scope="${write}"`);

    const created = await rawRequest(`${gw}${base}/items`, {
      method: "POST",
      headers: { ...bearer(fullKey), "content-type": "application/json" },
      body: '{"a":1}',
    });
    expect(created.status, created.text).toBe(200);
    expect((JSON.parse(created.text) as Seen).bodyBytes).toBe(7);
  });

  test("no credential → 401 MISSING; a public operation passes; an unknown operation → 404", async () => {
    const none = await rawRequest(`${gw}${base}/items`);
    expectDenial(none, 401, "MISSING", "unauthorized");
    // Exactly one challenge (auth_request copies a 401's; the config must not add a second).
    expect(none.headers["www-authenticate"]).toContain('error="invalid_token"');
    expect(none.headers["www-authenticate"]?.match(/Bearer /g)).toHaveLength(1);

    const health = await rawRequest(`${gw}${base}/health`);
    expect(health.status, health.text).toBe(200);

    const unknown = await rawRequest(`${gw}${base}/nothing-here`, { headers: bearer(readKey) });
    expectDenial(unknown, 404, "ROUTE_NOT_FOUND", "not_found");
  });

  test("over the key's rate limit → 429 with Retry-After and RateLimit headers (not NGINX's 500)", async () => {
    const k = await createKey(dev.request, token, { name: "ngx limited", scopes: [read] });
    await patchKey(dev.request, token, k.id, { rateLimits: [{ limit: 3, windowSeconds: 60 }] });
    for (let i = 1; i <= 3; i++) {
      const ok = await rawRequest(`${gw}${base}/items`, { headers: bearer(k) });
      expect(ok.status, `call ${i}: ${ok.text}`).toBe(200);
      expect(ok.headers["ratelimit-policy"]).toContain("q=3;w=60");
      expect(ok.headers.ratelimit).toMatch(new RegExp(`r=${3 - i}\\b`));
    }
    const limited = await rawRequest(`${gw}${base}/items`, { headers: bearer(k) });
    expectDenial(limited, 429, "RATE_LIMITED", "rate_limited");
    const retryAfter = Number(limited.headers["retry-after"]);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.headers["ratelimit-policy"]).toContain("q=3;w=60");
    expect(limited.headers.ratelimit).toMatch(/r=0\b/);
  });

  test("a client outside the key's IP allowlist → 403 IP_NOT_ALLOWED, even when it claims an allowed X-Forwarded-For", async () => {
    test.skip(Boolean(process.env.E2E_BASE_URL), "needs the e2e server's GATEHOUSE_TRUSTED_PROXIES=127.0.0.1");
    const k = await createKey(dev.request, token, { name: "ngx ip", scopes: [read] });
    await patchKey(dev.request, token, k.id, { ipAllowlist: ["127.0.0.2/32"] });

    // NGINX (127.0.0.1, trusted) appends the client's socket address: that is what Gatehouse checks.
    const allowed = await rawRequest(`${gw}${base}/items`, { headers: bearer(k), localAddress: "127.0.0.2" });
    expect(allowed.status, allowed.text).toBe(200);
    const seen = JSON.parse(allowed.text) as Seen;
    expect(seen.headers["x-forwarded-for"]).toBe("127.0.0.2");

    const other = await rawRequest(`${gw}${base}/items`, { headers: bearer(k), localAddress: "127.0.0.3" });
    expectDenial(other, 403, "IP_NOT_ALLOWED", "forbidden");

    const spoofed = await rawRequest(`${gw}${base}/items`, {
      headers: { ...bearer(k), "x-forwarded-for": "127.0.0.2" },
      localAddress: "127.0.0.3",
    });
    expectDenial(spoofed, 403, "IP_NOT_ALLOWED", "forbidden");
  });

  test("the API's own errors reach the client unchanged (error_page only catches auth_request's)", async () => {
    const fail = await rawRequest(`${gw}${base}/fail`, { headers: bearer(readKey) });
    expect(fail.status).toBe(500);
    expect(fail.text).toBe("upstream exploded");
    expect(fail.headers["x-upstream"]).toBe("yes");
    const down = await rawRequest(`${gw}${base}/unavailable`, { headers: bearer(readKey) });
    expect(down.status).toBe(503);
    expect(down.text).toBe("upstream maintenance");
  });
});
