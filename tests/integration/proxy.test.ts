// Gateway mode (lib/access/proxy.ts) over real HTTP: a node:http server with
// the data-plane routes and the proxy in front of a real upstream, on a real
// database with an API registered through lib/catalog (OpenAPI import).
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import { createDataPlaneRoutes } from "../../lib/access/http";
import { createGatewayProxy } from "../../lib/access/proxy";
import { createApi } from "../../lib/catalog/create-api";
import { prisma } from "../../lib/db";
import { createKey } from "../../lib/keys/create-key";
import { createApiSchema } from "../../lib/schemas/apis";
import { createKeySchema } from "../../lib/schemas/keys";
import { createPrincipal, meta } from "../support/factories";
import { oauthScheme } from "../support/openapi";
import { echoSeen, randomUpload, receive, type Seen } from "../support/upstream";

const TIMEOUT_MS = 400;
const tag = randomBytes(4).toString("hex");
const READ = `gw${tag}:read`;
const WRITE = `gw${tag}:write`;
const BASE = `/gw-${tag}`;

let upstream: http.Server;
let upstreamUrl: string;
let dp: DataPlane;
let server: http.Server;
let base: string;
let key: string;
let keyId: string;
let orgId: string;
let readOnlyKey: string;
const seen: Seen[] = [];
const flakyHits = new Map<string, number>();
/** 64 KiB chunks the upstream's /download has written so far. */
let downloadSent = 0;

function startUpstream(): Promise<http.Server> {
  const s = http.createServer((req, res) => {
    receive(req, (entry) => {
      seen.push(entry);
      const path = (req.url ?? "").split("?")[0];
      if (path.endsWith("/unavailable")) {
        res.writeHead(503, [
          "content-type",
          "text/plain",
          "retry-after",
          "7",
          "set-cookie",
          "a=1",
          "set-cookie",
          "b=2",
        ]);
        res.end("upstream down for maintenance");
        return;
      }
      // The first call to each /flaky/<n> loses its connection before any answer; the next one is answered.
      if (path.includes("/flaky/")) {
        flakyHits.set(path, (flakyHits.get(path) ?? 0) + 1);
        if (flakyHits.get(path) === 1) return void req.socket.destroy();
        echoSeen(res, entry);
        return;
      }
      if (path.endsWith("/slow")) {
        setTimeout(() => {
          if (!res.destroyed) res.end("too late");
        }, TIMEOUT_MS * 5);
        return;
      }
      if (path.endsWith("/download")) {
        // 8 MiB (or ?chunks=N × 64 KiB) in 64 KiB chunks, no content-length: chunked through the proxy.
        res.writeHead(200, { "content-type": "application/octet-stream" });
        const chunk = Buffer.alloc(64 * 1024, 7);
        let left = Number(new URL(req.url ?? "/", "http://x").searchParams.get("chunks") ?? 128);
        downloadSent = 0;
        const pump = () => {
          while (left > 0) {
            left--;
            downloadSent++;
            if (!res.write(chunk)) return void res.once("drain", pump);
          }
          res.end();
        };
        pump();
        return;
      }
      echoSeen(res, entry);
    });
  });
  return new Promise((resolve) => s.listen(0, "127.0.0.1", () => resolve(s)));
}

const doc = {
  openapi: "3.1.0",
  info: { title: `Gateway ${tag}`, version: "1" },
  security: [{ oauth: [READ] }],
  paths: {
    "/items": {
      get: { operationId: "listItems", responses: { "200": { description: "ok" } } },
      post: {
        operationId: "createItem",
        security: [{ oauth: [READ, WRITE] }],
        responses: { "201": { description: "ok" } },
      },
    },
    "/items/{id}": { get: { responses: { "200": { description: "ok" } } } },
    "/upload": { put: { security: [{ oauth: [WRITE] }], responses: { "200": { description: "ok" } } } },
    "/download": { get: { responses: { "200": { description: "ok" } } } },
    "/unavailable": { get: { responses: { "503": { description: "down" } } } },
    "/slow": { get: { responses: { "200": { description: "ok" } } } },
    "/flaky/{n}": {
      get: { responses: { "200": { description: "ok" } } },
      post: { responses: { "200": { description: "ok" } } },
    },
    "/ping": { get: { security: [], responses: { "200": { description: "ok" } } } },
  },
  components: { securitySchemes: { oauth: oauthScheme({ [READ]: "Read", [WRITE]: "Write" }) } },
};

beforeAll(async () => {
  upstream = await startUpstream();
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const admin = await createPrincipal({ role: "admin" });
  await createApi(
    admin,
    createApiSchema.parse({ name: `Gateway ${tag}`, basePath: BASE, upstreamUrl: `${upstreamUrl}/v2/`, openapi: doc }),
    meta,
  );
  const dev = await createPrincipal();
  orgId = dev.orgId;
  const k = await createKey(dev, createKeySchema.parse({ name: "gw", scopes: [READ, WRITE] }), meta);
  key = k.key;
  keyId = k.id;
  readOnlyKey = (await createKey(dev, createKeySchema.parse({ name: "gw ro", scopes: [READ] }), meta)).key;

  dp = await createDataPlane({ prisma });
  await dp.reloadRoutes();
  const routes = createDataPlaneRoutes(dp);
  const proxy = createGatewayProxy(dp, { timeoutMs: TIMEOUT_MS });
  server = http.createServer((req, res) => {
    if (routes(req, res) || proxy(req, res)) return;
    res.writeHead(418);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  upstream?.closeAllConnections();
  upstream?.close();
  await dp?.close();
});

const auth = () => ({ authorization: `Bearer ${key}` });

describe("gateway mode", () => {
  it("proxies an allowed call: path after basePath onto the upstream's path, query kept, identity added, credential gone", async () => {
    const res = await fetch(`${base}${BASE}/items?limit=5&q=a%20b`, {
      headers: {
        ...auth(),
        "x-gatehouse-key-id": "forged",
        "x-gatehouse-org-id": "forged",
        "x-forwarded-for": "198.51.100.9",
        "x-custom": "kept",
      },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-upstream")).toBe("yes");
    const s = (await res.json()) as Seen;
    expect(s.url).toBe("/v2/items?limit=5&q=a%20b");
    expect(s.headers["x-gatehouse-key-id"]).toBe(keyId);
    expect(s.headers["x-gatehouse-org-id"]).toBe(orgId);
    expect(s.headers["x-gatehouse-scopes"]).toBe(`${READ} ${WRITE}`);
    expect(s.headers["x-gatehouse-environment"]).toBe("live");
    expect(s.headers.authorization).toBeUndefined();
    expect(s.headers["x-custom"]).toBe("kept");
    expect(s.headers.host).toBe(new URL(upstreamUrl).host);
    // Not a trusted proxy: the client's X-Forwarded-For is kept, the socket address appended.
    expect(s.headers["x-forwarded-for"]).toBe("198.51.100.9, 127.0.0.1");
    expect(s.headers["x-forwarded-proto"]).toBe("http");
    expect(s.headers["x-forwarded-host"]).toBe(new URL(base).host);
    expect(s.headers.connection).toBe("keep-alive");
  });

  it("X-API-Key works and is not passed on; another Authorization scheme is not ours and passes", async () => {
    const res = await fetch(`${base}${BASE}/items/42`, { headers: { "x-api-key": key } });
    expect(res.status).toBe(200);
    const s = (await res.json()) as Seen;
    expect(s.url).toBe("/v2/items/42");
    expect(s.headers["x-api-key"]).toBeUndefined();
    expect(s.headers["x-gatehouse-key-id"]).toBe(keyId);

    const pub = await fetch(`${base}${BASE}/ping`, { headers: { authorization: "Basic dXNlcjpwYXNz" } });
    expect(pub.status).toBe(200);
    const ps = (await pub.json()) as Seen;
    expect(ps.headers.authorization).toBe("Basic dXNlcjpwYXNz");
    expect(ps.headers["x-gatehouse-key-id"]).toBeUndefined();
  });

  it("denies before the upstream: 401 without credential, 403 missing scope, 404 unknown operation", async () => {
    const before = seen.length;
    const none = await fetch(`${base}${BASE}/items`);
    expect(none.status).toBe(401);
    expect(none.headers.get("x-gatehouse-decision")).toBe("MISSING");
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe("unauthorized");

    const scope = await fetch(`${base}${BASE}/items`, {
      method: "POST",
      headers: { authorization: `Bearer ${readOnlyKey}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(scope.status).toBe(403);
    expect(scope.headers.get("x-gatehouse-decision")).toBe("INSUFFICIENT_SCOPE");
    expect(((await scope.json()) as { error: { missingScopes: string[] } }).error.missingScopes).toEqual([WRITE]);

    const unknown = await fetch(`${base}${BASE}/nope`, { headers: auth() });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get("x-gatehouse-decision")).toBe("ROUTE_NOT_FOUND");
    await unknown.arrayBuffer();
    expect(seen.length).toBe(before);
  });

  it("a client cannot ask the gateway for an explain trace", async () => {
    const res = await fetch(`${base}${BASE}/items`, { headers: { "x-gatehouse-explain": "1" } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { trace?: unknown } }).error.trace).toBeUndefined();
  });

  it("upstream errors pass through unchanged (status, body, repeated headers)", async () => {
    const res = await fetch(`${base}${BASE}/unavailable`, { headers: auth() });
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("7");
    expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
    expect(await res.text()).toBe("upstream down for maintenance");
  });

  it("a silent upstream → 504 in our error shape", async () => {
    const started = Date.now();
    const res = await fetch(`${base}${BASE}/slow`, { headers: auth() });
    expect(res.status).toBe(504);
    const body = (await res.json()) as { error: { code: string; requestId: string } };
    expect(body.error.code).toBe("gateway_timeout");
    expect(body.error.requestId).toBeTruthy();
    expect(Date.now() - started).toBeLessThan(TIMEOUT_MS * 4);
  });

  it("a connection the upstream drops before answering: a body-less GET is retried once, a POST is not", async () => {
    const get = await fetch(`${base}${BASE}/flaky/1`, { headers: auth() });
    expect(get.status).toBe(200);
    await get.arrayBuffer();
    // The upstream path is the API's upstreamUrl path (/v2) + the path after basePath.
    expect(flakyHits.get("/v2/flaky/1")).toBe(2);

    const post = await fetch(`${base}${BASE}/flaky/2`, { method: "POST", headers: auth() });
    expect(post.status).toBe(502);
    expect(((await post.json()) as { error: { code: string } }).error.code).toBe("bad_gateway");
    expect(flakyHits.get("/v2/flaky/2")).toBe(1);
  });

  it("an unreachable upstream → 502", async () => {
    const admin = await createPrincipal({ role: "admin" });
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const deadBase = `/gw-dead-${tag}`;
    await createApi(
      admin,
      createApiSchema.parse({ name: "dead", basePath: deadBase, upstreamUrl: `http://127.0.0.1:${port}` }),
      meta,
    );
    await dp.reloadRoutes();
    const res = await fetch(`${base}${deadBase}/anything`, { headers: auth() });
    expect(res.status).toBe(502);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("bad_gateway");
  });

  it("streams a 128 MiB chunked upload intact with flat memory, and a large response", async () => {
    const size = 128 * 1024 * 1024;
    const upload = randomUpload(size, 256 * 1024);
    // Client, proxy and upstream share this process: a buffering proxy would hold the whole body here.
    // Streaming, the peak is chunks waiting for GC: measured ~30 MiB for 50 MiB and for 200 MiB alike.
    const memory = () => process.memoryUsage().arrayBuffers + process.memoryUsage().heapUsed;
    const before = memory();
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, memory())), 5);
    const status = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${base}${BASE}/upload`, { method: "PUT", headers: auth() }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      upload.body.pipe(req);
    }).finally(() => clearInterval(sampler));
    expect(status.status).toBe(200);
    const s = JSON.parse(status.text) as Seen;
    expect(s.bodyBytes).toBe(size);
    expect(s.sha256).toBe(upload.sha256());
    expect(s.headers["transfer-encoding"]).toBe("chunked");
    expect(peak - before, `memory grew by ${((peak - before) / 1048576).toFixed(1)} MiB`).toBeLessThan(size / 2);

    const down = await fetch(`${base}${BASE}/download`, { headers: auth() });
    expect(down.status).toBe(200);
    expect((await down.arrayBuffer()).byteLength).toBe(8 * 1024 * 1024);
  });

  it("a client that stops reading holds the upstream back (backpressure through the proxy)", async () => {
    const chunks = 1024; // 64 MiB: far more than the sockets' kernel buffers on both hops hold
    const { total, sentWhilePaused } = await new Promise<{ total: number; sentWhilePaused: number }>(
      (resolve, reject) => {
        const req = http.get(`${base}${BASE}/download?chunks=${chunks}`, { headers: auth() }, (res) => {
          let total = 0;
          let sentWhilePaused = -1;
          res.on("data", (c: Buffer) => {
            total += c.length;
            if (sentWhilePaused !== -1) return;
            sentWhilePaused = 0;
            res.pause();
            setTimeout(() => {
              sentWhilePaused = downloadSent;
              res.resume();
            }, 500);
          });
          res.on("end", () => resolve({ total, sentWhilePaused }));
          res.on("error", reject);
        });
        req.on("error", reject);
      },
    );
    expect(total).toBe(chunks * 64 * 1024);
    // A proxy that read on regardless would have taken all 64 MiB from the upstream within the pause.
    expect(sentWhilePaused).toBeGreaterThan(0);
    expect(sentWhilePaused).toBeLessThan(chunks / 2);
  });

  it("leaves paths outside every basePath alone (and dot segments cannot climb out of one)", async () => {
    expect((await fetch(`${base}/elsewhere`)).status).toBe(418);
    expect((await fetch(`${base}${BASE}-not/items`, { headers: auth() })).status).toBe(418);
    const climbed = await new Promise<number>((resolve, reject) => {
      // Options, not a URL string: a URL would resolve the dot segment before sending.
      const { hostname, port } = new URL(base);
      http
        .get({ hostname, port, path: `${BASE}/../elsewhere`, headers: auth() }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on("error", reject);
    });
    expect(climbed).toBe(418);
  });
});
