// Data-plane HTTP endpoints on plain node:http (never through Next):
//   POST /v1/verify   {"key"|"token", "scopes"?, "method"?, "path"?, "ip"?, "explain"?} → 200 {valid, code, ...}
//   ANY  /authz       forward-auth for NGINX auth_request / Traefik / Envoy ext_authz
//   GET  /healthz     process up;   GET /readyz   database reachable
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody, newRequestId, type ErrorCode, ERROR_STATUS } from "../api/errors";
import { parseScopeList } from "../policy/scopes";
import type { DataPlane } from "./data-plane";
import { clientIp } from "../policy/client-ip";
import { parseIp } from "../policy/ip";
import type { RouteMatch } from "../policy/routes";
import { authorize, type AccessResult } from "./authorize";
import type { TokenRecord } from "./jwt";
import type { KeyRecord } from "./types";
import { answerLater, writeAtEndOfTurn, type HeldWrites } from "./write-batch";

const MAX_BODY = 16 * 1024;
const CONTENT_TYPE_JSON = "application/json; charset=utf-8";

function send(res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>): void {
  const text = JSON.stringify(body);
  const head = jsonHead(text);
  if (headers) for (const name in headers) head.push(name, headers[name]);
  answerLater(res, status, head, text);
}

export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  headers?: Record<string, string>,
): void {
  send(res, ERROR_STATUS[code], errorBody(code, message, newRequestId()), headers);
}

/**
 * The body as text (null when larger than MAX_BODY) to `done`, or a request
 * error to `failed`; whichever comes first, once. Callbacks, not a promise: the
 * usual one-chunk body then costs no promise and no extra microtask.
 */
function readBody(req: IncomingMessage, done: (raw: string | null) => void, failed: () => void): void {
  let first: Buffer | undefined;
  let more: Buffer[] | undefined;
  let size = 0;
  let settled = false;
  req.on("data", (c: Buffer) => {
    size += c.length;
    if (size > MAX_BODY) {
      // Answer 413 first, then drop the connection (destroying now would lose the answer).
      req.removeAllListeners("data");
      req.resume();
      if (!settled) {
        settled = true;
        done(null);
      }
      return;
    }
    if (first === undefined) first = c;
    else (more ??= [first]).push(c);
  });
  req.on("end", () => {
    if (settled) return;
    settled = true;
    done(more ? Buffer.concat(more).toString("utf8") : first ? first.toString("utf8") : "");
  });
  req.on("error", () => {
    if (settled) return;
    settled = true;
    failed();
  });
}

/** Request path from a forwarded URI: query dropped, dot segments resolved (fail closed on odd input). */
export function pathOf(uri: string): string {
  const q = uri.indexOf("?");
  const path = q === -1 ? uri : uri.slice(0, q);
  if (!path.startsWith("/")) return "/";
  if (!path.includes("/.") && !path.includes("%2") && !path.includes("\\")) return path;
  try {
    return new URL(path, "http://gatehouse.invalid").pathname;
  } catch {
    return "/";
  }
}

function allowBody(r: AccessResult): Record<string, unknown> {
  if (r.key) {
    const k = r.key;
    return {
      valid: true,
      code: r.code,
      keyId: k.id,
      orgId: k.orgId,
      scopes: k.scopes,
      environment: k.environment,
      expiresAt: k.expiresAt === null ? null : new Date(k.expiresAt).toISOString(),
    };
  }
  if (r.token) {
    const t = r.token;
    return {
      valid: true,
      code: r.code,
      tokenType: "oauth_access_token",
      clientId: t.clientId,
      sub: t.sub,
      orgId: t.orgId,
      scopes: t.scopes,
      audience: t.audience,
      expiresAt: new Date(t.expiresAt).toISOString(),
    };
  }
  return { valid: true, code: r.code };
}

function verifyBodyOf(r: AccessResult): Record<string, unknown> {
  const body: Record<string, unknown> = r.allow ? allowBody(r) : { valid: false, code: r.code };
  if (!r.allow) {
    if (r.missingScopes) body.missingScopes = r.missingScopes;
    if (r.retryAfter !== undefined) body.retryAfter = r.retryAfter;
  }
  if (r.trace) {
    body.decidedBy = r.decidedBy;
    body.trace = r.trace;
  }
  return body;
}

/** A 200 JSON answer ready to write: its text and its raw headers. */
type Prepared = { text: string; head: string[] };

function jsonHead(text: string): string[] {
  return [
    "content-type",
    CONTENT_TYPE_JSON,
    "cache-control",
    "no-store",
    "content-length",
    String(Buffer.byteLength(text)),
  ];
}

// An allowed call's answer without counters or trace depends on its record
// only: build it once per record. Records are never mutated (a change evicts
// and reloads a new object), so a WeakMap keyed by the record can never serve
// a stale answer.
const validAnswers = new WeakMap<KeyRecord | TokenRecord, Prepared>();

function rateLimitHead(r: AccessResult, head: string[]): string[] {
  if (r.rateLimit) head.push("ratelimit-policy", r.rateLimit.policy, "ratelimit", r.rateLimit.current);
  if (r.retryAfter !== undefined) head.push("retry-after", String(r.retryAfter));
  return head;
}

function answerVerify(dp: DataPlane, res: ServerResponse, r: AccessResult): void {
  if (r.key && r.allow) dp.lastUsed.mark(r.key.id, Date.now());
  const record = r.key ?? r.token;
  if (r.allow && record && !r.rateLimit && !r.trace) {
    let p = validAnswers.get(record);
    if (!p) {
      const text = JSON.stringify(allowBody(r));
      p = { text, head: jsonHead(text) };
      validAnswers.set(record, p);
    }
    answerLater(res, 200, p.head, p.text);
    return;
  }
  const text = JSON.stringify(verifyBodyOf(r));
  answerLater(res, 200, rateLimitHead(r, jsonHead(text)), text);
}

function handleVerify(dp: DataPlane, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "POST") return sendError(res, "method_not_allowed", "Use POST.", { allow: "POST" });
  writeAtEndOfTurn(new VerifyAtEndOfTurn(dp, req, res));
}

/**
 * A /v1/verify call, decided at the end of the event-loop turn it arrived in.
 * node:http runs the request handler before it parses the body, and a small
 * body nearly always arrives in the same read as the headers: by the end of
 * the turn the parser has buffered all of it (`req.complete`), and one
 * `req.read()` takes it without a stream listener and the two `nextTick`
 * hops that flowing mode costs (a bare server reading bodies this way: +3–7 %
 * calls per second, bench/README.md session 9). A body still on its way
 * (sent in pieces, larger than the stream's buffer) is read as a stream.
 */
class VerifyAtEndOfTurn implements HeldWrites {
  constructor(
    private readonly dp: DataPlane,
    private readonly req: IncomingMessage,
    readonly res: ServerResponse,
  ) {}

  flushWrites(): void {
    const { dp, req, res } = this;
    if (res.destroyed) return;
    if (!req.complete) {
      readBody(
        req,
        (raw) => guard(verifyBody, dp, req, res, raw),
        () => fail(res),
      );
      return;
    }
    let raw: string | null = null;
    if (req.readableLength <= MAX_BODY) {
      const body = req.read() as Buffer | null;
      raw = body === null ? "" : body.toString("utf8");
    }
    guard(verifyBody, dp, req, res, raw);
  }
}

function isStringArray(v: unknown): v is string[] {
  if (!Array.isArray(v)) return false;
  for (const s of v) if (typeof s !== "string") return false;
  return true;
}

function optionalString(body: Record<string, unknown>, name: string): string | undefined | Error {
  const v = body[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === "string" ? v : new Error(`"${name}" must be a string.`);
}

function verifyBody(
  dp: DataPlane,
  req: IncomingMessage,
  res: ServerResponse,
  raw: string | null,
): void | Promise<void> {
  if (raw === null) {
    return sendError(res, "payload_too_large", `Body larger than ${MAX_BODY} bytes.`, { connection: "close" });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return sendError(res, "invalid_json", "Request body is not valid JSON.");
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    return sendError(res, "validation_failed", 'Body must be a JSON object like {"key": "...", "scopes": ["..."]}.');
  }
  const body = parsed as Record<string, unknown>;
  const { key, token, scopes } = body;
  if (scopes !== undefined && !isStringArray(scopes)) {
    return sendError(res, "validation_failed", '"scopes" must be an array of strings.');
  }
  let credential: string;
  if (token !== undefined) {
    if (typeof token !== "string") return sendError(res, "validation_failed", '"token" must be a string.');
    credential = token;
  } else if (typeof key === "string") {
    credential = key;
  } else {
    return sendError(res, "validation_failed", 'Send {"key": "gk_…"} or {"token": "<JWT access token>"}.');
  }
  const method = optionalString(body, "method");
  if (method instanceof Error) return sendError(res, "validation_failed", method.message);
  const path = optionalString(body, "path");
  if (path instanceof Error) return sendError(res, "validation_failed", path.message);
  const ip = optionalString(body, "ip");
  if (ip instanceof Error) return sendError(res, "validation_failed", ip.message);
  if (path !== undefined && !path.startsWith("/")) {
    return sendError(res, "validation_failed", '"path" must start with "/".');
  }
  if (ip !== undefined && !parseIp(ip)) {
    return sendError(res, "validation_failed", '"ip" must be an IPv4 or IPv6 address.');
  }
  if (body.explain !== undefined && typeof body.explain !== "boolean") {
    return sendError(res, "validation_failed", '"explain" must be true or false.');
  }
  // The same fields in the same order as authorizeRequest's: one request shape for authorize().
  const result = authorize(dp, {
    route: undefined,
    credential,
    scopes: scopes ?? NO_SCOPES,
    method,
    path: path === undefined ? null : pathOf(path),
    // The service calling /v1/verify knows its client's address; else the caller's own.
    ip: ip ?? requestIp(dp, req),
    explain: body.explain === true,
  });
  // Cached credentials without counters are answered synchronously.
  if (!(result instanceof Promise)) return answerVerify(dp, res, result);
  return finishVerify(dp, res, result);
}

const NO_SCOPES: readonly string[] = [];

// Async functions rather than .then(r => …): no closure per request.
async function finishVerify(dp: DataPlane, res: ServerResponse, result: Promise<AccessResult>): Promise<void> {
  answerVerify(dp, res, await result);
}

async function finishAuthz(dp: DataPlane, res: ServerResponse, result: Promise<AccessResult>): Promise<void> {
  answerAuthz(dp, res, await result);
}

function requestIp(dp: DataPlane, req: IncomingMessage): string {
  return clientIp(req.socket.remoteAddress, req.headers["x-forwarded-for"], dp.trustProxy);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** `Authorization: Bearer <cred>` (scheme case-insensitive) or `X-API-Key: <cred>`. */
export function credentialFrom(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth) {
    const space = auth.indexOf(" ");
    if (space > 0 && auth.slice(0, space).toLowerCase() === "bearer") return auth.slice(space + 1).trim() || null;
    return null;
  }
  const apiKey = req.headers["x-api-key"];
  return typeof apiKey === "string" && apiKey ? apiKey.trim() : null;
}

/**
 * The original request of a forward-auth call: NGINX sends X-Original-Method /
 * X-Original-URI (our config), Traefik X-Forwarded-Method / X-Forwarded-Uri,
 * Envoy's ext_authz HTTP service the original method and path after /authz.
 */
export function forwardedRequest(req: IncomingMessage, path: string): { method: string | null; path: string | null } {
  const uri = header(req, "x-original-uri") ?? header(req, "x-forwarded-uri");
  const method = header(req, "x-original-method") ?? header(req, "x-forwarded-method");
  if (uri) return { method: method ?? req.method ?? "GET", path: pathOf(uri) };
  if (path.length > AUTHZ.length)
    return { method: method ?? req.method ?? "GET", path: pathOf(path.slice(AUTHZ.length)) };
  return { method: null, path: null };
}

const AUTHZ = "/authz";

/** Authorizes a proxied request (forward-auth and gateway mode share it). */
export function authorizeRequest(
  dp: DataPlane,
  req: IncomingMessage,
  target: { method: string | null; path: string | null; route?: RouteMatch },
): AccessResult | Promise<AccessResult> {
  return authorize(dp, {
    route: target.route,
    credential: credentialFrom(req),
    scopes: parseScopeList(req.headers["x-required-scopes"] as string | undefined),
    method: target.method,
    path: target.path,
    ip: requestIp(dp, req),
    explain: req.headers["x-gatehouse-explain"] === "1",
  });
}

function handleAuthz(dp: DataPlane, req: IncomingMessage, res: ServerResponse, path: string): void | Promise<void> {
  // Forward-auth subrequests carry no body we need: node:http drains an unread body once the answer is sent.
  const result = authorizeRequest(dp, req, forwardedRequest(req, path));
  if (!(result instanceof Promise)) return answerAuthz(dp, res, result);
  return finishAuthz(dp, res, result);
}

/** Identity headers of an allowed call (also what gateway mode adds upstream). */
export function identityHeaders(r: AccessResult): Record<string, string> {
  if (r.key) {
    return {
      "x-gatehouse-key-id": r.key.id,
      "x-gatehouse-org-id": r.key.orgId,
      "x-gatehouse-scopes": r.key.scopes.join(" "),
      "x-gatehouse-environment": r.key.environment,
    };
  }
  if (r.token) {
    return {
      "x-gatehouse-client-id": r.token.clientId,
      "x-gatehouse-subject": r.token.sub,
      "x-gatehouse-org-id": r.token.orgId ?? "",
      "x-gatehouse-scopes": r.token.scopes.join(" "),
    };
  }
  return {};
}

// The headers of an allowed /authz answer, built once per record (as validAnswers above).
const allowHeads = new WeakMap<KeyRecord | TokenRecord, string[]>();

function allowHead(r: AccessResult): string[] {
  // An allowed call with a record is VALID; PUBLIC_ROUTE has none (built each time, rare).
  const record = r.key ?? r.token;
  let head = record && allowHeads.get(record);
  if (!head) {
    head = ["x-gatehouse-decision", r.code];
    const identity = identityHeaders(r);
    for (const name in identity) head.push(name, identity[name]);
    head.push("cache-control", "no-store", "content-length", "0");
    if (record) allowHeads.set(record, head);
  }
  return head;
}

function answerAuthz(dp: DataPlane, res: ServerResponse, r: AccessResult): void {
  if (r.allow) {
    if (r.key) dp.lastUsed.mark(r.key.id, Date.now());
    const head = allowHead(r);
    answerLater(res, 200, r.rateLimit ? rateLimitHead(r, head.slice()) : head);
    return;
  }
  sendDenial(res, r);
}

/**
 * A denial in our error shape: 401 invalid_token, 403 (scope, IP, time), 404
 * unknown route, 429 (rate, quota, usage) with Retry-After. The decision code
 * goes in X-Gatehouse-Decision (and the body).
 */
export function sendDenial(res: ServerResponse, r: AccessResult): void {
  const headers: Record<string, string> = { "x-gatehouse-decision": r.code };
  if (r.rateLimit) {
    headers["ratelimit-policy"] = r.rateLimit.policy;
    headers.ratelimit = r.rateLimit.current;
  }
  if (r.retryAfter !== undefined) headers["retry-after"] = String(r.retryAfter);
  const body = errorBody(DENIAL_ERROR[r.status] ?? "forbidden", denialMessage(r), newRequestId()) as {
    error: Record<string, unknown>;
  };
  body.error.decision = r.code;
  if (r.missingScopes) body.error.missingScopes = r.missingScopes;
  if (r.trace) body.error.trace = r.trace;
  if (r.code === "INSUFFICIENT_SCOPE") {
    const scope = (r.missingScopes ?? []).join(" ");
    headers["www-authenticate"] = `Bearer realm="gatehouse", error="insufficient_scope", scope="${scope}"`;
  } else if (r.status === 401) {
    const description =
      r.code === "MISSING" ? "no credential" : `credential ${r.code.toLowerCase().replace(/_/g, " ")}`;
    headers["www-authenticate"] = `Bearer realm="gatehouse", error="invalid_token", error_description="${description}"`;
  }
  send(res, r.status, body, headers);
}

const DENIAL_ERROR: Record<number, ErrorCode> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  429: "rate_limited",
};

function denialMessage(r: AccessResult): string {
  switch (r.code) {
    case "MISSING":
      return "Invalid credential (missing).";
    case "INSUFFICIENT_SCOPE":
      return `Missing scope: ${(r.missingScopes ?? []).join(" ")}`;
    case "IP_NOT_ALLOWED":
      return "Calls from this IP address are not allowed for this credential.";
    case "OUTSIDE_TIME_WINDOW":
      return "This credential may not be used at this time.";
    case "ROUTE_NOT_FOUND":
      return "No such operation in this API.";
    case "RATE_LIMITED":
      return `Rate limit exceeded. Retry after ${r.retryAfter ?? 1} s.`;
    case "QUOTA_EXCEEDED":
      return "Quota used up for this period.";
    case "USAGE_EXHAUSTED":
      return "This key has no uses remaining.";
    default:
      return `Invalid credential (${r.code}).`;
  }
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** 500 in our error shape, or a dropped connection when the answer has begun. */
export function fail(res: ServerResponse): void {
  if (!res.headersSent) sendError(res, "internal_error", "Something went wrong on our side.");
  else res.destroy();
}

// Handlers answer synchronously when they can (a cached key) and return a
// promise only when they wait (database): both paths end in `fail` on error.
// The handler and its arguments are passed apart: no closure per request.
function guard<A>(
  handler: (dp: DataPlane, req: IncomingMessage, res: ServerResponse, arg: A) => void | Promise<void>,
  dp: DataPlane,
  req: IncomingMessage,
  res: ServerResponse,
  arg: A,
): void {
  try {
    const p = handler(dp, req, res, arg);
    if (p) p.catch(() => fail(res));
  } catch {
    fail(res);
  }
}

async function answerReady(dp: DataPlane, _req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (await dp.ready()) send(res, 200, { status: "ready" });
  else sendError(res, "service_unavailable", "Database unreachable.");
}

/** Returns a dispatcher that handles data-plane paths (true) and leaves the rest (false). */
export function createDataPlaneRoutes(dp: DataPlane): RouteHandler {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (path === "/v1/verify") {
      guard(handleVerify, dp, req, res, undefined);
      return true;
    }
    if (path === AUTHZ || path.startsWith("/authz/")) {
      guard(handleAuthz, dp, req, res, path);
      return true;
    }
    if (path === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (path === "/readyz") {
      guard(answerReady, dp, req, res, undefined);
      return true;
    }
    return false;
  };
}
