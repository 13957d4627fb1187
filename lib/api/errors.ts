// One error shape for every JSON endpoint (DESIGN.md §3.1):
//   {"error":{"code":"not_found","message":"…","requestId":"…"}}
// and one code → status table. No Next/React imports: the data plane uses it too.
import { randomUUID } from "node:crypto";

export const ERROR_STATUS = {
  bad_request: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  validation_failed: 422,
  rate_limited: 429,
  internal_error: 500,
  bad_gateway: 502,
  service_unavailable: 503,
  gateway_timeout: 504,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export type ErrorBody = {
  error: { code: ErrorCode; message: string; requestId: string; details?: unknown };
};

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly details?: unknown;
  readonly headers?: Record<string, string>;

  constructor(code: ErrorCode, message: string, opts: { details?: unknown; headers?: Record<string, string> } = {}) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.details = opts.details;
    this.headers = opts.headers;
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function newRequestId(): string {
  return randomUUID();
}

export function errorBody(code: ErrorCode, message: string, requestId: string, details?: unknown): ErrorBody {
  return { error: { code, message, requestId, ...(details === undefined ? {} : { details }) } };
}

/**
 * Map anything thrown to (status, body). Unknown errors become a 500 with a
 * generic message; the caller logs the original, never the client.
 */
export function toErrorResponse(
  err: unknown,
  requestId: string,
): { status: number; body: ErrorBody; headers?: Record<string, string> } {
  if (err instanceof ApiError) {
    return { status: err.status, body: errorBody(err.code, err.message, requestId, err.details), headers: err.headers };
  }
  return {
    status: 500,
    body: errorBody(
      "internal_error",
      "Something went wrong on our side. Quote the requestId if you contact support.",
      requestId,
    ),
  };
}

/** zod issues → a compact, user-readable list for `details`. */
export function zodDetails(
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): { path: string; message: string }[] {
  return issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message }));
}
