// Route-handler wrapper (DESIGN.md §3.2): authentication, permission check,
// error mapping and request ids in one place, so no handler can forget them.
import { getServerSession } from "next-auth";
import { NextResponse, type NextRequest } from "next/server";
import type { z } from "zod";
import type { RequestMeta } from "../audit/record";
import { authOptions } from "../auth/options";
import { can, type Permission } from "../auth/permissions";
import type { Principal } from "../auth/principal";
import { metaFromHeaders } from "../auth/request-meta";
import { principalForUser, principalFromToken } from "../auth/resolve-principal";
import { log } from "../log";
import { ApiError, newRequestId, toErrorResponse, zodDetails } from "./errors";

export type HandlerContext<P> = {
  req: NextRequest;
  principal: Principal;
  params: P;
  meta: RequestMeta;
  requestId: string;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Cookie sessions are accepted for unsafe methods only from our own origin (CSRF). */
function sameOrigin(req: NextRequest): boolean {
  if (req.headers.get("sec-fetch-site") === "same-origin") return true;
  const origin = req.headers.get("origin");
  if (!origin) return false;
  const host = req.headers.get("x-forwarded-host") ?? req.headers.get("host");
  try {
    const o = new URL(origin);
    if (o.host === host) return true;
    const pub = process.env.GATEHOUSE_PUBLIC_URL ?? process.env.NEXTAUTH_URL;
    return pub ? new URL(pub).origin === o.origin : false;
  } catch {
    return false;
  }
}

export async function authenticate(req: NextRequest): Promise<Principal> {
  const auth = req.headers.get("authorization");
  if (auth) {
    const [scheme, token] = auth.split(" ", 2);
    if (scheme?.toLowerCase() !== "bearer" || !token) {
      throw new ApiError("unauthorized", "Use `Authorization: Bearer <management token>`.");
    }
    const principal = await principalFromToken(token.trim());
    if (!principal) throw new ApiError("unauthorized", "Invalid or revoked management token.");
    return principal;
  }
  const session = await getServerSession(authOptions());
  const userId = (session?.user as { id?: string } | undefined)?.id;
  if (!userId) throw new ApiError("unauthorized", "Sign in, or send a management token as `Authorization: Bearer …`.");
  if (!SAFE_METHODS.has(req.method) && !sameOrigin(req)) {
    throw new ApiError("forbidden", "Cross-origin request with a session cookie refused.");
  }
  const org = req.nextUrl.searchParams.get("org");
  const principal = await principalForUser(userId, org);
  if (!principal) {
    if (org) throw new ApiError("not_found", "No such organization.");
    throw new ApiError("unauthorized", "Your session has ended. Sign in again.");
  }
  return principal;
}

export function errorResponse(err: unknown, requestId: string): NextResponse {
  const { status, body, headers } = toErrorResponse(err, requestId);
  if (status >= 500) log.error({ err, requestId }, "request failed");
  return NextResponse.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

export function withAuth<P = Record<string, never>>(
  handler: (ctx: HandlerContext<P>) => Promise<Response>,
  opts: { permission?: Permission } = {},
) {
  return async (req: NextRequest, route: { params: Promise<P> }): Promise<Response> => {
    const requestId = newRequestId();
    try {
      const principal = await authenticate(req);
      if (opts.permission && !can(principal.orgRole, opts.permission)) {
        throw new ApiError("forbidden", `Your role (${principal.orgRole}) lacks ${opts.permission}.`);
      }
      const params = route?.params ? await route.params : ({} as P);
      const res = await handler({ req, principal, params, meta: metaFromHeaders(req.headers), requestId });
      res.headers.set("x-request-id", requestId);
      return res;
    } catch (err) {
      return errorResponse(err, requestId);
    }
  };
}

/** Parse a JSON body with a schema: bad JSON → 400 invalid_json, schema failure → 422 with details. */
export async function parseBody<S extends z.ZodType>(req: Request, schema: S): Promise<z.infer<S>> {
  let raw: unknown;
  try {
    const text = await req.text();
    raw = text ? JSON.parse(text) : {};
  } catch {
    throw new ApiError("invalid_json", "Request body is not valid JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ApiError("validation_failed", parsed.error.issues[0]?.message ?? "Invalid request.", {
      details: zodDetails(parsed.error.issues),
    });
  }
  return parsed.data;
}

export function json(data: unknown, status = 200): NextResponse {
  return NextResponse.json(data, { status, headers: { "cache-control": "no-store" } });
}
