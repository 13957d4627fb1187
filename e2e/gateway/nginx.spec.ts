// A real NGINX with `auth_request` → Gatehouse /authz in front of an echo
// upstream, running the documented configuration (docs/gateways/nginx.conf).
// Keys are created through the real management API.
import { expect, test, type APIRequestContext } from "@playwright/test";
import { generateSecret, PREFIXES } from "../../lib/credentials/format";
import { baseURL } from "../../playwright.config";
import { createKey, managementToken, newDeveloper, type SignedIn } from "../fixtures";
import {
  attachErrorLogOnFailure,
  findNginxOrWarn,
  startDocumentedNginx,
  startUpstream,
  type DocumentedNginx,
  type Echo,
  type Upstream,
} from "./nginx";

const nginxBin = findNginxOrWarn("NGINX gateway e2e");

// One NGINX for the file: its tests run in order in one worker.
test.describe.configure({ mode: "default" });

test.describe("NGINX auth_request → Gatehouse /authz", () => {
  test.skip(!nginxBin, "nginx is not on PATH");

  let upstream: Upstream;
  let nginx: DocumentedNginx;
  let gw: string;
  let dev: SignedIn;
  let token: string;
  let orgKey: { id: string; key: string };

  test.beforeAll(async () => {
    upstream = await startUpstream();
    nginx = await startDocumentedNginx(nginxBin!, {
      gatehouse: new URL(baseURL).host,
      upstream: `127.0.0.1:${upstream.port}`,
    });
    gw = nginx.url;

    dev = await newDeveloper("nginx");
    token = await managementToken(dev);
    orgKey = await createKey(dev.request, token, { name: "nginx read", scopes: ["read:profile"] });
  });

  test.afterAll(async () => {
    await nginx?.stop();
    await upstream?.close();
    await dev?.request.dispose();
  });

  test.afterEach(({}, testInfo) => attachErrorLogOnFailure(nginx, testInfo));

  async function call(request: APIRequestContext, p: string, headers: Record<string, string> = {}) {
    const res = await request.get(`${gw}${p}`, { headers, maxRedirects: 0 });
    return { res, status: res.status() };
  }

  test("a valid key with the scope reaches the upstream, which sees who called", async ({ request }) => {
    const { res, status } = await call(request, "/profile/me?x=1", {
      authorization: `Bearer ${orgKey.key}`,
      // Forged identity headers from the client must not survive.
      "x-gatehouse-key-id": "key_forged",
      "x-gatehouse-org-id": "org_forged",
      "x-gatehouse-subject": "user_forged",
    });
    expect(status).toBe(200);
    const echo = (await res.json()) as Echo & { upstream: boolean };
    expect(echo.upstream).toBe(true);
    expect(echo.method).toBe("GET");
    expect(echo.path).toBe("/profile/me?x=1");
    expect(echo.keyId).toBe(orgKey.id);
    expect(echo.orgId).toBeTruthy();
    expect(echo.orgId).not.toBe("org_forged");
    expect(echo.scopes).toBe("read:profile");
    expect(echo.environment).toBe("live");
    // OAuth-only identity headers are empty for an API key (nginx drops empty headers), never forged.
    expect(echo.subject).toBeNull();
    expect(echo.clientId).toBeNull();
    // The key was checked at the edge; the upstream does not get it.
    expect(echo.authorization).toBeNull();
  });

  test("X-API-Key works too, and request bodies still reach the upstream", async ({ request }) => {
    const res = await request.post(`${gw}/profile/me`, {
      headers: { "x-api-key": orgKey.key },
      data: { hello: "world" },
    });
    expect(res.status()).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo.keyId).toBe(orgKey.id);
    expect(echo.method).toBe("POST");
    expect(echo.bodyBytes).toBe(JSON.stringify({ hello: "world" }).length);
    expect(echo.apiKey).toBeNull();
  });

  test("no credential → 401", async ({ request }) => {
    const { res, status } = await call(request, "/profile/me");
    expect(status).toBe(401);
    expect(res.headers()["www-authenticate"]).toContain('error="invalid_token"');
  });

  test("malformed credential → 401", async ({ request }) => {
    expect((await call(request, "/profile/me", { authorization: "Bearer hello" })).status).toBe(401);
    expect((await call(request, "/profile/me", { authorization: `Basic ${orgKey.key}` })).status).toBe(401);
    expect((await call(request, "/profile/me", { "x-api-key": "hello" })).status).toBe(401);
  });

  test("unknown but well-formed key → 401", async ({ request }) => {
    const unknown = generateSecret(PREFIXES.apiKeyLive);
    expect((await call(request, "/profile/me", { authorization: `Bearer ${unknown}` })).status).toBe(401);
  });

  test("a key without the location's scope → 403; with it → 200", async ({ request }) => {
    const { res, status } = await call(request, "/admin/users/42", { authorization: `Bearer ${orgKey.key}` });
    expect(status).toBe(403);
    expect(res.headers()["www-authenticate"]).toContain('error="insufficient_scope"');
    expect(res.headers()["www-authenticate"]).toContain('scope="delete:user"');

    const admin = await createKey(dev.request, token, { name: "nginx admin", scopes: ["read:profile", "delete:user"] });
    const ok = await call(request, "/admin/users/42", { authorization: `Bearer ${admin.key}` });
    expect(ok.status).toBe(200);
    const echo = (await ok.res.json()) as Echo;
    expect(echo.keyId).toBe(admin.id);
    expect(echo.scopes?.split(" ").sort()).toEqual(["delete:user", "read:profile"]);
  });

  test("a revoked key is refused on the very next call", async ({ request }) => {
    const k = await createKey(dev.request, token, { name: "nginx revoke", scopes: ["read:profile"] });
    const auth = { authorization: `Bearer ${k.key}` };
    expect((await call(request, "/profile/me", auth)).status).toBe(200); // now cached by the data plane

    const del = await dev.request.delete(`/api/v1/keys/${k.id}`, { headers: { authorization: `Bearer ${token}` } });
    expect(del.status()).toBe(200);
    expect(((await del.json()) as { status: string }).status).toBe("revoked");

    expect((await call(request, "/profile/me", auth)).status).toBe(401);
  });

  test("the auth subrequest location is internal", async ({ request }) => {
    expect((await call(request, "/_gatehouse", { authorization: `Bearer ${orgKey.key}` })).status).toBe(404);
  });
});
