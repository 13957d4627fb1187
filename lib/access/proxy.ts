// Gateway mode: requests under an API's basePath in the catalog are authorized
// in-process (the same authorize() as /authz) and reverse-proxied to the API's
// upstreamUrl + the path after basePath + the query string. Bodies stream both
// ways (never buffered). The upstream gets the caller's identity
// (X-Gatehouse-*), X-Forwarded-For/-Proto/-Host, and neither the credential
// nor any X-Gatehouse-* header the client sent. Upstream answers pass through
// as they are (a 500 stays a 500); an unreachable upstream is a 502, a silent
// one (GATEHOUSE_UPSTREAM_TIMEOUT_MS) a 504, both in our error shape.
//
// Client: node:http with one keep-alive Agent per protocol (it pools sockets
// per origin). Measured against undici here (2 cores, wrk, each proxy alone on
// one core, a pass-through proxy without authorization in front of a bare
// upstream, alternating rounds): undici 7's `dispatch` did ~1.3–1.7× node:http's
// requests per CPU-second (≈14–22k vs ≈10–16k; `stream()` ~0.9–1.5×). But the undici in
// package.json (8.x) requires Node ≥ 22.19 and throws on import under Node 20,
// our engine, and 7.x is not a dependency — so node:http, the faster client
// that runs here. Pipe vs manual data/end, and with or without the per-request
// socket timeout, measured the same within noise. Figures: bench/README.md.
import http, { type IncomingMessage, type OutgoingHttpHeader, type ServerResponse } from "node:http";
import https from "node:https";
import type { ApiEntry } from "../policy/routes";
import type { AccessResult } from "./authorize";
import type { DataPlane } from "./data-plane";
import { authorizeRequest, fail, identityHeaders, pathOf, sendDenial, sendError, type RouteHandler } from "./http";

export type GatewayProxyOptions = {
  /** GATEHOUSE_UPSTREAM_TIMEOUT_MS: longest silence from the upstream (no byte either way) before 504 / abort. */
  timeoutMs: number;
  /** Keep-alive agents; default: one http and one https agent for this proxy. */
  agents?: { http: http.Agent; https: https.Agent };
};

/** Where an API's calls go: resolved once per catalog entry (a catalog reload makes new entries). */
type Target = {
  mod: typeof http | typeof https;
  agent: http.Agent;
  hostname: string;
  port: number;
  /** The Host header the upstream gets. */
  host: string;
  /** The upstream URL's path without its trailing slash ("" for "/"). */
  prefix: string;
  basePathLength: number;
};

// RFC 9110 §7.6.1 connection-specific fields, plus what we set ourselves or
// must not pass on. Request side; names are lowercase (req.headers).
const DROP_REQUEST = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  // Node's server already answered `100 Continue` to the client.
  "expect",
  "host",
  "x-api-key",
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
]);

const DROP_RESPONSE = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const INTERNAL_PREFIX = "x-gatehouse-";

/** Free sockets are closed after this, before a typical upstream keep-alive timeout (Node's: 5 s) closes them under us. */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

function defaultAgents() {
  const opts = { keepAlive: true, scheduling: "lifo" as const, timeout: FREE_SOCKET_TIMEOUT_MS };
  return { http: new http.Agent(opts), https: new https.Agent(opts) };
}

function targetOf(api: ApiEntry, agents: { http: http.Agent; https: https.Agent }): Target {
  const u = new URL(api.upstreamUrl);
  const secure = u.protocol === "https:";
  const prefix = u.pathname.endsWith("/") ? u.pathname.slice(0, -1) : u.pathname;
  return {
    mod: secure ? https : http,
    agent: secure ? agents.https : agents.http,
    // URL keeps IPv6 literals bracketed; the socket wants them bare.
    hostname: u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname,
    port: u.port ? Number(u.port) : secure ? 443 : 80,
    host: u.host,
    prefix,
    basePathLength: api.basePath.length,
  };
}

/** The request headers the upstream gets, as a flat [name, value, …] list. */
function upstreamHeaders(dp: DataPlane, req: IncomingMessage, r: AccessResult, t: Target): string[] {
  const out: string[] = [];
  const h = req.headers;
  for (const name in h) {
    if (DROP_REQUEST.has(name) || name.startsWith(INTERNAL_PREFIX)) continue;
    const v = h[name];
    if (v === undefined) continue;
    // The credential was checked here: the upstream does not get it (other schemes pass).
    if (name === "authorization" && typeof v === "string" && /^bearer /i.test(v)) continue;
    if (typeof v === "string") out.push(name, v);
    else for (const one of v) out.push(name, one);
  }
  // Named in Connection: hop-by-hop too (RFC 9110 §7.6.1).
  const connection = h.connection;
  if (connection && connection !== "keep-alive" && connection !== "close") dropNamed(out, connection);
  if (h["transfer-encoding"] !== undefined) out.push("transfer-encoding", "chunked");
  out.push("host", t.host);
  const socketIp = req.socket.remoteAddress ?? "";
  const prior = h["x-forwarded-for"];
  out.push("x-forwarded-for", prior ? `${prior}, ${socketIp}` : socketIp);
  // A trusted proxy in front (GATEHOUSE_TRUSTED_PROXIES) knows the original scheme and host.
  const trusted = prior !== undefined && dp.trustProxy(socketIp, 0);
  const proto = trusted ? h["x-forwarded-proto"] : undefined;
  out.push("x-forwarded-proto", typeof proto === "string" ? proto : "encrypted" in req.socket ? "https" : "http");
  const fwdHost = trusted ? h["x-forwarded-host"] : undefined;
  const host = typeof fwdHost === "string" ? fwdHost : h.host;
  if (host) out.push("x-forwarded-host", host);
  const id = identityHeaders(r);
  for (const name in id) if (id[name]) out.push(name, id[name]);
  return out;
}

function dropNamed(out: string[], connection: string): void {
  const named = new Set(connection.toLowerCase().split(/\s*,\s*/));
  for (let i = out.length - 2; i >= 0; i -= 2) if (named.has(out[i])) out.splice(i, 2);
}

/** The response headers the client gets: the upstream's, less hop-by-hop, plus our RateLimit headers. */
function clientHeaders(raw: string[], r: AccessResult): OutgoingHttpHeader[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (DROP_RESPONSE.has(raw[i].toLowerCase())) continue;
    out.push(raw[i], raw[i + 1]);
  }
  if (r.rateLimit) out.push("ratelimit-policy", r.rateLimit.policy, "ratelimit", r.rateLimit.current);
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

const RETRYABLE = new Set(["ECONNRESET", "EPIPE"]);

function forward(
  dp: DataPlane,
  req: IncomingMessage,
  res: ServerResponse,
  r: AccessResult,
  t: Target,
  path: string,
  timeoutMs: number,
  retried = false,
): void {
  // The client left while the decision waited on the database: nothing to forward.
  if (res.destroyed) return;
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const upstreamPath = (t.prefix + path.slice(t.basePathLength) || "/") + (q === -1 ? "" : url.slice(q));
  const withBody = hasBody(req);
  // waiting → streaming (the upstream's status line arrived) or → answered (we sent 502/504 ourselves).
  let state: "waiting" | "streaming" | "answered" = "waiting";

  const up = t.mod.request(
    {
      agent: t.agent,
      hostname: t.hostname,
      port: t.port,
      method: req.method,
      path: upstreamPath,
      headers: upstreamHeaders(dp, req, r, t),
      setHost: false,
      timeout: timeoutMs,
    },
    (upRes) => {
      if (state !== "waiting") return void upRes.resume();
      state = "streaming";
      res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, clientHeaders(upRes.rawHeaders, r));
      // A body cut short upstream must not look complete downstream.
      upRes.on("error", () => res.destroy());
      upRes.on("aborted", () => res.destroy());
      upRes.pipe(res);
    },
  );
  // No byte either way for timeoutMs (like NGINX's proxy_read_timeout): 504 before the answer, cut after.
  up.on("timeout", () => {
    if (state === "waiting") {
      state = "answered";
      sendError(res, "gateway_timeout", `The upstream did not answer within ${timeoutMs} ms.`);
    } else if (state === "streaming") res.destroy();
    up.destroy();
  });
  up.on("error", (err: NodeJS.ErrnoException) => {
    if (state === "streaming") return void res.destroy();
    if (state === "answered") return;
    state = "answered";
    // A kept-alive socket the upstream closed just as we reused it: retry a body-less call once.
    if (!retried && !withBody && up.reusedSocket && err.code && RETRYABLE.has(err.code)) {
      forward(dp, req, res, r, t, path, timeoutMs, true);
      return;
    }
    sendError(res, "bad_gateway", "The upstream could not be reached.");
  });
  // The client went away (upload or download cut): stop talking to the upstream.
  res.on("close", () => {
    if (!res.writableFinished) up.destroy();
  });

  if (withBody) req.pipe(up);
  else up.end();
}

/** After the decision: the denial, or the call forwarded upstream. */
function proceed(
  dp: DataPlane,
  req: IncomingMessage,
  res: ServerResponse,
  r: AccessResult,
  t: Target,
  path: string,
  timeoutMs: number,
): void {
  if (!r.allow) return sendDenial(res, r);
  if (r.key) dp.lastUsed.mark(r.key.id, Date.now());
  forward(dp, req, res, r, t, path, timeoutMs);
}

/**
 * Returns a dispatcher that proxies requests under a catalog API's basePath
 * (true: handled) and leaves every other path (false).
 */
export function createGatewayProxy(dp: DataPlane, opts: GatewayProxyOptions): RouteHandler {
  const agents = opts.agents ?? defaultAgents();
  const targets = new WeakMap<ApiEntry, Target>();
  const { timeoutMs } = opts;

  return (req, res) => {
    if (dp.routes.size === 0) return false;
    const path = pathOf(req.url ?? "/");
    const method = req.method ?? "GET";
    // Matched once here; authorize() reuses the match.
    const route = dp.routes.match(method, path);
    if (route.kind === "none") return false;
    let t = targets.get(route.api);
    if (!t) {
      t = targetOf(route.api, agents);
      targets.set(route.api, t);
    }
    const target = t;
    // An explain trace is for gateways and the simulator, not for callers of the API.
    if (req.headers["x-gatehouse-explain"] !== undefined) delete req.headers["x-gatehouse-explain"];
    try {
      const result = authorizeRequest(dp, req, { method, path, route });
      if (result instanceof Promise) {
        result.then((r) => proceed(dp, req, res, r, target, path, timeoutMs)).catch(() => fail(res));
      } else proceed(dp, req, res, result, target, path, timeoutMs);
    } catch {
      fail(res);
    }
    return true;
  };
}
