// Gateway mode: requests under an API's basePath in the catalog are authorized
// in-process (the same authorize() as /authz) and reverse-proxied to the API's
// upstreamUrl + the path after basePath + the query string. Bodies stream both
// ways (never buffered). The upstream gets the caller's identity
// (X-Gatehouse-*), X-Forwarded-For/-Proto/-Host, and neither the credential
// nor any X-Gatehouse-* header the client sent. Upstream answers pass through
// as they are (a 500 stays a 500); an unreachable upstream is a 502, a silent
// one (GATEHOUSE_UPSTREAM_TIMEOUT_MS) a 504, both in our error shape.
//
// Client: undici 7 (Node's own HTTP client library; 7.x runs on Node 20, 8.x
// needs Node 22), one keep-alive Agent per proxy (it pools connections per
// upstream origin). Measured here (2 cores; each proxy alone on core 0, wrk on
// core 1, a bare upstream; pass-through proxies without authorization,
// alternating 4 s runs): undici's `dispatch` 18.1–23.5k req/s vs node:http's
// `http.request` 12.1–16.8k, ~1.4×. Figures: bench/README.md, session 4.
import type { IncomingMessage, OutgoingHttpHeader, ServerResponse } from "node:http";
import { Agent, type Dispatcher } from "undici";
import type { ApiEntry } from "../policy/routes";
import type { AccessResult } from "./authorize";
import type { DataPlane } from "./data-plane";
import { authorizeRequest, fail, identityHeaders, pathOf, sendDenial, sendError, type RouteHandler } from "./http";
import { writeAtEndOfTurn, type HeldWrites } from "./write-batch";

export type GatewayProxyOptions = {
  /** GATEHOUSE_UPSTREAM_TIMEOUT_MS: longest wait to connect, for the answer, or between bytes of it, before 504 / abort. */
  timeoutMs: number;
  /** The upstream client; default: one keep-alive undici Agent for this proxy. */
  dispatcher?: Dispatcher;
};

/** What every proxied call of one gateway shares (made once, passed down: no closure per call). */
type Gateway = { dp: DataPlane; dispatcher: Dispatcher; timeoutMs: number };

/** Where an API's calls go: resolved once per catalog entry (a catalog reload makes new entries). */
type Target = {
  /** scheme://host:port of the upstream. */
  origin: string;
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

/** Idle upstream connections are closed after this, before a typical upstream keep-alive timeout (Node's: 5 s). */
const FREE_SOCKET_TIMEOUT_MS = 4_000;

function defaultDispatcher(timeoutMs: number): Dispatcher {
  return new Agent({
    keepAliveTimeout: FREE_SOCKET_TIMEOUT_MS,
    keepAliveMaxTimeout: FREE_SOCKET_TIMEOUT_MS,
    // A black-holed upstream: 504 after the same silence as any other.
    connect: { timeout: timeoutMs },
  });
}

function targetOf(api: ApiEntry): Target {
  const u = new URL(api.upstreamUrl);
  const prefix = u.pathname.endsWith("/") ? u.pathname.slice(0, -1) : u.pathname;
  return { origin: u.origin, host: u.host, prefix, basePathLength: api.basePath.length };
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
  // A body without Content-Length goes upstream chunked: undici frames it itself.
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
function clientHeaders(raw: readonly (Buffer | string)[], r: AccessResult): OutgoingHttpHeader[] {
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i].toString("latin1");
    if (DROP_RESPONSE.has(name.toLowerCase())) continue;
    out.push(name, raw[i + 1].toString("latin1"));
  }
  if (r.rateLimit) out.push("ratelimit-policy", r.rateLimit.policy, "ratelimit", r.rateLimit.current);
  return out;
}

function hasBody(req: IncomingMessage): boolean {
  const len = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (len !== undefined && len !== "0");
}

/** Errors of a connection that broke before the answer began: a body-less, idempotent call is retried once. */
const RETRYABLE = new Set(["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]);
/** RFC 9110 §9.2.2: safe to send twice. */
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);
const TIMEOUTS = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_CONNECT_TIMEOUT"]);

const WAITING = 0;
const STREAMING = 1;
const ANSWERED = 2;

/**
 * One proxied call as an undici dispatch handler: the upstream's answer is
 * streamed to the client as it arrives (with backpressure both ways), a
 * timeout before it is a 504, any other failure before it a 502, and a
 * failure after it began cuts the client's response (a body cut short
 * upstream must not look complete downstream). What arrives in one event-loop
 * turn is written at the turn's end, with the other answers of that turn
 * (write-batch.ts): a small answer goes out in one write, head and body.
 */
class Forward implements Dispatcher.DispatchHandler, HeldWrites {
  private state = WAITING;
  private controller: Dispatcher.DispatchController | null = null;
  private drain: (() => void) | null = null;
  /** Held until the end of the turn: the head, body chunks, the end. */
  private head: { status: number; message: string | undefined; headers: OutgoingHttpHeader[] } | null = null;
  private readonly chunks: Buffer[] = [];
  private ended = false;
  private held = false;

  constructor(
    private readonly gw: Gateway,
    private readonly opts: Dispatcher.DispatchOptions,
    readonly res: ServerResponse,
    private readonly r: AccessResult,
    private readonly retried: boolean,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // The client went away (upload or download cut): stop talking to the upstream.
    if (this.res.destroyed) controller.abort(new Error("client gone"));
    else this.res.once("close", this.onClientClose);
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    _headers: unknown,
    statusMessage?: string,
  ): void {
    // 1xx (Early Hints and the like) are not passed on: the final answer follows.
    if (statusCode < 200 || this.state !== WAITING) return;
    this.state = STREAMING;
    this.head = {
      status: statusCode,
      message: statusMessage,
      headers: clientHeaders(controller.rawHeaders as (Buffer | string)[], this.r),
    };
    this.hold();
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.state !== STREAMING) return;
    this.chunks.push(chunk);
    this.hold();
  }

  onResponseEnd(): void {
    if (this.state !== STREAMING) return;
    this.state = ANSWERED;
    this.ended = true;
    this.hold();
  }

  private hold(): void {
    if (this.held) return;
    this.held = true;
    writeAtEndOfTurn(this);
  }

  flushWrites(): void {
    this.held = false;
    const res = this.res;
    if (res.destroyed) return;
    if (this.head) {
      res.writeHead(this.head.status, this.head.message, this.head.headers);
      this.head = null;
    }
    let room = true;
    for (const c of this.chunks) room = res.write(c);
    this.chunks.length = 0;
    if (this.ended) res.end();
    else if (!room && this.controller && !this.controller.paused) {
      // The client reads slower than the upstream sends: wait for it.
      this.controller.pause();
      this.drain ??= () => this.controller?.resume();
      res.once("drain", this.drain);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error & { code?: string }): void {
    if (this.state === STREAMING) {
      this.state = ANSWERED;
      this.res.destroy();
      return;
    }
    if (this.state === ANSWERED) return;
    this.state = ANSWERED;
    if (this.res.destroyed) return;
    const code = err.code ?? "";
    // A kept-alive connection the upstream closed just as it was reused: once more, on a new one.
    if (!this.retried && this.opts.body === null && IDEMPOTENT.has(this.opts.method) && RETRYABLE.has(code)) {
      this.res.off("close", this.onClientClose);
      this.gw.dispatcher.dispatch(this.opts, new Forward(this.gw, this.opts, this.res, this.r, true));
      return;
    }
    if (TIMEOUTS.has(code)) {
      sendError(this.res, "gateway_timeout", `The upstream did not answer within ${this.gw.timeoutMs} ms.`);
    } else sendError(this.res, "bad_gateway", "The upstream could not be reached.");
  }

  private readonly onClientClose = (): void => {
    if (!this.res.writableFinished && this.controller && !this.controller.aborted) {
      this.controller.abort(new Error("client gone"));
    }
  };
}

/** After the decision: the denial, or the call forwarded upstream. */
function proceed(
  gw: Gateway,
  req: IncomingMessage,
  res: ServerResponse,
  r: AccessResult,
  t: Target,
  path: string,
): void {
  if (!r.allow) return sendDenial(res, r);
  if (r.key) gw.dp.lastUsed.mark(r.key.id, Date.now());
  // The client left while the decision waited on the database: nothing to forward.
  if (res.destroyed) return;
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const opts: Dispatcher.DispatchOptions = {
    origin: t.origin,
    method: (req.method ?? "GET") as Dispatcher.HttpMethod,
    path: (t.prefix + path.slice(t.basePathLength) || "/") + (q === -1 ? "" : url.slice(q)),
    headers: upstreamHeaders(gw.dp, req, r, t),
    body: hasBody(req) ? req : null,
    // No answer, or no byte of it, for timeoutMs (like NGINX's proxy_read_timeout): 504 before it, cut after.
    headersTimeout: gw.timeoutMs,
    bodyTimeout: gw.timeoutMs,
  };
  gw.dispatcher.dispatch(opts, new Forward(gw, opts, res, r, false));
}

/**
 * Returns a route handler that proxies requests under a catalog API's basePath
 * (true: handled) and leaves every other path (false).
 */
export function createGatewayProxy(dp: DataPlane, opts: GatewayProxyOptions): RouteHandler {
  const { timeoutMs } = opts;
  const gw: Gateway = { dp, dispatcher: opts.dispatcher ?? defaultDispatcher(timeoutMs), timeoutMs };
  const targets = new WeakMap<ApiEntry, Target>();

  return (req, res) => {
    if (dp.routes.size === 0) return false;
    const path = pathOf(req.url ?? "/");
    const method = req.method ?? "GET";
    // Matched once here; authorize() reuses the match.
    const route = dp.routes.match(method, path);
    if (route.kind === "none") return false;
    let t = targets.get(route.api);
    if (!t) {
      t = targetOf(route.api);
      targets.set(route.api, t);
    }
    const target = t;
    // An explain trace is for gateways and the simulator, not for callers of the API.
    if (req.headers["x-gatehouse-explain"] !== undefined) delete req.headers["x-gatehouse-explain"];
    try {
      const result = authorizeRequest(dp, req, { method, path, route });
      if (result instanceof Promise) {
        result.then((r) => proceed(gw, req, res, r, target, path)).catch(() => fail(res));
      } else proceed(gw, req, res, result, target, path);
    } catch {
      fail(res);
    }
    return true;
  };
}
