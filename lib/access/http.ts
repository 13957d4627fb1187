// Data-plane HTTP endpoints on plain node:http (never through Next):
//   POST /v1/verify   {"key": "...", "scopes": [...]} → 200 {valid, code, ...}
//   ANY  /authz       forward-auth for NGINX auth_request / Traefik / Envoy ext_authz
//   GET  /healthz     process up;   GET /readyz   database reachable
import type { IncomingMessage, ServerResponse } from "node:http";
import { errorBody, newRequestId, type ErrorCode, ERROR_STATUS } from "../api/errors";
import { parseScopeList } from "../policy/scopes";
import type { DataPlane } from "./data-plane";
import { decideCached, decideFromStore, type DecideInput } from "./decide";
import { looksLikeJwt, type TokenDecision, type TokenRecord } from "./jwt";
import type { Decision, KeyRecord } from "./types";

const MAX_BODY = 16 * 1024;
const CONTENT_TYPE_JSON = "application/json; charset=utf-8";
const JSON_HEADERS = { "content-type": CONTENT_TYPE_JSON, "cache-control": "no-store" };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...JSON_HEADERS, "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, code: ErrorCode, message: string, headers?: Record<string, string>): void {
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

function verifyResponse(d: Decision) {
  if (d.allow) {
    const k = d.key;
    return {
      valid: true,
      code: d.code,
      keyId: k.id,
      orgId: k.orgId,
      scopes: k.scopes,
      environment: k.environment,
      expiresAt: k.expiresAt === null ? null : new Date(k.expiresAt).toISOString(),
    };
  }
  return d.missingScopes
    ? { valid: false, code: d.code, missingScopes: d.missingScopes }
    : { valid: false, code: d.code };
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

function sendJsonText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, jsonHead(text));
  res.end(text);
}

// A valid credential's answers depend on its record only: build them once per
// record. Records are never mutated (a change evicts and reloads a new object),
// so a WeakMap keyed by the record can never serve a stale answer.
const validAnswers = new WeakMap<KeyRecord | TokenRecord, Prepared>();

function prepare(record: KeyRecord | TokenRecord, body: unknown): Prepared {
  const text = JSON.stringify(body);
  const p = { text, head: jsonHead(text) };
  validAnswers.set(record, p);
  return p;
}

function sendPrepared(res: ServerResponse, p: Prepared): void {
  res.writeHead(200, p.head);
  res.end(p.text);
}

function answerVerify(dp: DataPlane, res: ServerResponse, decision: Decision): void {
  if (!decision.allow) return sendJsonText(res, 200, JSON.stringify(verifyResponse(decision)));
  dp.lastUsed.mark(decision.key.id, Date.now());
  sendPrepared(res, validAnswers.get(decision.key) ?? prepare(decision.key, verifyResponse(decision)));
}

function answerVerifyToken(res: ServerResponse, d: TokenDecision): void {
  if (!d.allow) return sendJsonText(res, 200, JSON.stringify(tokenVerifyResponse(d)));
  sendPrepared(res, validAnswers.get(d.token) ?? prepare(d.token, tokenVerifyResponse(d)));
}

function handleVerify(dp: DataPlane, req: IncomingMessage, res: ServerResponse): void {
  if (req.method !== "POST") return sendError(res, "method_not_allowed", "Use POST.", { allow: "POST" });
  readBody(
    req,
    (raw) => guard(() => verifyBody(dp, res, raw), res),
    () => fail(res),
  );
}

function verifyBody(dp: DataPlane, res: ServerResponse, raw: string | null): void | Promise<void> {
  if (raw === null) {
    return sendError(res, "payload_too_large", `Body larger than ${MAX_BODY} bytes.`, { connection: "close" });
  }
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    return sendError(res, "invalid_json", "Request body is not valid JSON.");
  }
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    return sendError(res, "validation_failed", 'Body must be a JSON object like {"key": "...", "scopes": ["..."]}.');
  }
  const { key, token, scopes } = body as { key?: unknown; token?: unknown; scopes?: unknown };
  if (scopes !== undefined && (!Array.isArray(scopes) || !scopes.every((s) => typeof s === "string"))) {
    return sendError(res, "validation_failed", '"scopes" must be an array of strings.');
  }
  const required = (scopes as string[] | undefined) ?? [];
  if (token !== undefined || (typeof key === "string" && looksLikeJwt(key))) {
    const jwt = token ?? key;
    if (typeof jwt !== "string") return sendError(res, "validation_failed", '"token" must be a string.');
    return withToken(dp, jwt, required, (d) => answerVerifyToken(res, d));
  }
  if (typeof key !== "string") {
    return sendError(res, "validation_failed", 'Send {"key": "gk_…"} or {"token": "<JWT access token>"}.');
  }
  const input: DecideInput = { credential: key, requiredScopes: required };
  // Cached keys are answered synchronously; only a cache miss waits for the database.
  const now = decideCached(dp.store, input);
  if (now) return answerVerify(dp, res, now);
  return decideFromStore(dp.store, input).then((d) => answerVerify(dp, res, d));
}

/** OAuth access tokens: the cached verdict when there is one, else full verification. */
function withToken(
  dp: DataPlane,
  token: string,
  required: readonly string[],
  answer: (d: TokenDecision) => void,
): void | Promise<void> {
  const now = Date.now();
  const cached = dp.jwt.peek(token, required, now);
  if (cached) return answer(cached); // the hot path: synchronous
  return dp.jwt.verify(token, required, now).then(answer);
}

function tokenVerifyResponse(d: TokenDecision) {
  if (!d.allow) {
    return d.missingScopes
      ? { valid: false, code: d.code, missingScopes: d.missingScopes }
      : { valid: false, code: d.code };
  }
  const t = d.token;
  return {
    valid: true,
    code: d.code,
    tokenType: "oauth_access_token",
    clientId: t.clientId,
    sub: t.sub,
    orgId: t.orgId,
    scopes: t.scopes,
    audience: t.audience,
    expiresAt: new Date(t.expiresAt).toISOString(),
  };
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

function handleAuthz(dp: DataPlane, req: IncomingMessage, res: ServerResponse): void | Promise<void> {
  // Forward-auth subrequests carry no body we need; drain whatever came.
  req.resume();
  const credential = credentialFrom(req);
  const required = parseScopeList(req.headers["x-required-scopes"] as string | undefined);
  if (credential && looksLikeJwt(credential)) {
    return withToken(dp, credential, required, (d) => answerAuthzToken(res, required, d));
  }
  const input: DecideInput = { credential, requiredScopes: required };
  const now = decideCached(dp.store, input);
  if (now) return answerAuthz(dp, res, credential, required, now);
  return decideFromStore(dp.store, input).then((d) => answerAuthz(dp, res, credential, required, d));
}

function answerAuthz(
  dp: DataPlane,
  res: ServerResponse,
  credential: string | null,
  required: string[],
  decision: Decision,
): void {
  if (decision.allow) {
    dp.lastUsed.mark(decision.key.id, Date.now());
    res.writeHead(200, {
      "x-gatehouse-decision": "VALID",
      "x-gatehouse-key-id": decision.key.id,
      "x-gatehouse-org-id": decision.key.orgId,
      "x-gatehouse-scopes": decision.key.scopes.join(" "),
      "x-gatehouse-environment": decision.key.environment,
      "cache-control": "no-store",
      "content-length": "0",
    });
    res.end();
    return;
  }
  denyAuthz(res, credential ? decision.code : null, required, decision.missingScopes);
}

function answerAuthzToken(res: ServerResponse, required: string[], d: TokenDecision): void {
  if (d.allow) {
    const t = d.token;
    res.writeHead(200, {
      "x-gatehouse-decision": "VALID",
      "x-gatehouse-client-id": t.clientId,
      "x-gatehouse-subject": t.sub,
      "x-gatehouse-org-id": t.orgId ?? "",
      "x-gatehouse-scopes": t.scopes.join(" "),
      "cache-control": "no-store",
      "content-length": "0",
    });
    res.end();
    return;
  }
  denyAuthz(res, d.code, required, d.missingScopes);
}

/** 403 insufficient_scope, or 401 invalid_token (code null: no credential at all). */
function denyAuthz(res: ServerResponse, code: string | null, required: string[], missing?: string[]): void {
  if (code === "INSUFFICIENT_SCOPE") {
    const scope = (missing ?? required).join(" ");
    return sendError(res, "forbidden", `Missing scope: ${scope}`, {
      "www-authenticate": `Bearer realm="gatehouse", error="insufficient_scope", scope="${scope}"`,
      "x-gatehouse-decision": code,
    });
  }
  const description = code ? `credential ${code.toLowerCase().replace(/_/g, " ")}` : "no credential";
  return sendError(res, "unauthorized", `Invalid credential (${code ?? "missing"}).`, {
    "www-authenticate": `Bearer realm="gatehouse", error="invalid_token", error_description="${description}"`,
    "x-gatehouse-decision": code ?? "MISSING",
  });
}

export type RouteHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

function fail(res: ServerResponse): void {
  if (!res.headersSent) sendError(res, "internal_error", "Something went wrong on our side.");
  else res.destroy();
}

// Handlers answer synchronously when they can (a cached key) and return a
// promise only when they wait (database): both paths end in `fail` on error.
function guard(run: () => void | Promise<void>, res: ServerResponse): void {
  try {
    const p = run();
    if (p) p.catch(() => fail(res));
  } catch {
    fail(res);
  }
}

/** Returns a dispatcher that handles data-plane paths (true) and leaves the rest (false). */
export function createDataPlaneRoutes(dp: DataPlane): RouteHandler {
  return (req, res) => {
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    if (path === "/v1/verify") {
      guard(() => handleVerify(dp, req, res), res);
      return true;
    }
    if (path === "/authz" || path.startsWith("/authz/")) {
      guard(() => handleAuthz(dp, req, res), res);
      return true;
    }
    if (path === "/healthz") {
      send(res, 200, { status: "ok" });
      return true;
    }
    if (path === "/readyz") {
      guard(
        () =>
          dp
            .ready()
            .then((ok) =>
              ok ? send(res, 200, { status: "ready" }) : sendError(res, "service_unavailable", "Database unreachable."),
            ),
        res,
      );
      return true;
    }
    return false;
  };
}
