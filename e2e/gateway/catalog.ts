// Shared by the gateway e2e specs: an API registered in the catalog through the
// real management API (as the platform admin), key policy changes through
// PATCH /api/v1/keys/{id}, a test upstream that records what it received, and a
// raw HTTP client that can pick its source address and stream bodies.
import { randomBytes } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Readable } from "node:stream";
import type { APIRequestContext } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { oauthScheme } from "../../tests/support/openapi";
import { echoSeen, receive } from "../../tests/support/upstream";
import { adminClient, managementToken, newDeveloper, type Admin, type SignedIn } from "../fixtures";

export type { Seen } from "../../tests/support/upstream";

export const uid = () => `${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;

/** An OpenAPI 3.1 document whose scopes are unique to this run (scope names are global). */
export function apiDocument(tag: string) {
  const read = `gw${tag}:read`;
  const write = `gw${tag}:write`;
  const ok = { "200": { description: "ok" } };
  const doc = {
    openapi: "3.1.0",
    info: { title: `Gateway e2e ${tag}`, version: "1" },
    security: [{ oauth: [read] }],
    paths: {
      "/items": {
        get: { operationId: "listItems", responses: ok },
        post: { operationId: "createItem", security: [{ oauth: [read, write] }], responses: ok },
      },
      "/items/{id}": { get: { operationId: "getItem", responses: ok } },
      "/upload": { put: { operationId: "upload", security: [{ oauth: [write] }], responses: ok } },
      "/unavailable": { get: { operationId: "unavailable", responses: ok } },
      "/fail": { get: { operationId: "fail", responses: ok } },
      "/slow": { get: { operationId: "slow", responses: ok } },
      "/health": { get: { operationId: "health", security: [], responses: ok } },
    },
    components: { securitySchemes: { oauth: oauthScheme({ [read]: "Read items", [write]: "Change items" }) } },
  };
  return { doc, read, write };
}

type ApiBody = { name: string; basePath: string; upstreamUrl: string; openapi?: unknown };

/** POST /api/v1/apis; throws unless 201. */
export async function registerApi(admin: Admin, body: ApiBody): Promise<{ id: string; basePath: string }> {
  const res = await admin.ctx.post("/api/v1/apis", { headers: admin.headers, data: body });
  if (res.status() !== 201) throw new Error(`POST /api/v1/apis: ${res.status()} ${await res.text()}`);
  return (await res.json()) as { id: string; basePath: string };
}

export type CatalogSetup = { admin: Admin; dev: SignedIn; token: string };

/**
 * A spec's world: the API registered by the platform admin, a new developer
 * with a management token, and every Gatehouse process routing the API (its
 * document has /items). Dispose `admin` and `dev.request` when done.
 */
export async function setUpCatalogApi(api: ApiBody, devTag: string): Promise<CatalogSetup> {
  const admin = await adminClient();
  let dev: SignedIn | undefined;
  try {
    await registerApi(admin, api);
    dev = await newDeveloper(devTag);
    const token = await managementToken(dev);
    await untilRouted(`${baseURL}${api.basePath}/items`);
    return { admin, dev, token };
  } catch (err) {
    await admin.dispose();
    await dev?.request.dispose();
    throw err;
  }
}

/** PATCH /api/v1/keys/{id} with the key owner's management token; throws unless 200. */
export async function patchKey(request: APIRequestContext, token: string, id: string, body: Record<string, unknown>) {
  const res = await request.patch(`/api/v1/keys/${id}`, { headers: { authorization: `Bearer ${token}` }, data: body });
  if (res.status() !== 200) throw new Error(`PATCH /api/v1/keys/${id}: ${res.status()} ${await res.text()}`);
}

export type TestUpstream = { url: string; port: number; close: () => Promise<void> };

/**
 * A node:http upstream: answers 200 JSON echoing what it received (method, URL,
 * headers, body size and SHA-256), except …/unavailable (503 with a body),
 * …/fail (500) and …/slow (answers after `slowMs`).
 */
export async function startTestUpstream(slowMs = 10_000): Promise<TestUpstream> {
  const server = http.createServer((req, res) => {
    receive(req, (seen) => {
      const path = (req.url ?? "").split("?")[0];
      if (path.endsWith("/unavailable")) {
        res.writeHead(503, { "content-type": "text/plain", "retry-after": "120", "x-upstream": "yes" });
        res.end("upstream maintenance");
        return;
      }
      if (path.endsWith("/fail")) {
        res.writeHead(500, { "content-type": "text/plain", "x-upstream": "yes" });
        res.end("upstream exploded");
        return;
      }
      if (path.endsWith("/slow")) {
        const timer = setTimeout(() => res.end("late"), slowMs);
        res.on("close", () => clearTimeout(timer));
        return;
      }
      echoSeen(res, seen);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type RawResponse = { status: number; headers: http.IncomingHttpHeaders; text: string };

/**
 * One HTTP/1.1 request with node:http: `localAddress` picks the source address
 * (any 127.0.0.0/8 address works on Linux loopback), `body` may be a stream.
 */
export function rawRequest(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string>;
    localAddress?: string;
    body?: Readable | string;
  } = {},
): Promise<RawResponse> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        hostname: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method: opts.method ?? "GET",
        headers: opts.headers,
        localAddress: opts.localAddress,
        agent: false,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (opts.body === undefined) req.end();
    else if (typeof opts.body === "string") req.end(opts.body);
    else opts.body.pipe(req);
  });
}

/**
 * Waits until every Gatehouse process sees the catalog change (it reloads the
 * route table on the change event): a call without credential answers 401.
 */
export async function untilRouted(url: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await rawRequest(url);
    if (res.status === 401) return;
    if (Date.now() > deadline)
      throw new Error(`${url} was not routed by the catalog within ${timeoutMs} ms: ${res.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
