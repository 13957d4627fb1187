// The API view that leaves the catalog: the Api row and its route rules, with
// stored JSON read defensively (a hand-edited row never breaks a listing).
import type { ApiView, RouteRuleView } from "../schemas/apis";
import { HTTP_METHODS } from "./parse-openapi";

export const apiViewSelect = {
  id: true,
  name: true,
  basePath: true,
  upstreamUrl: true,
  createdAt: true,
  routes: { select: { method: true, pathTemplate: true, operationId: true, security: true, anonymous: true } },
} as const;

type RouteRow = {
  method: string;
  pathTemplate: string;
  operationId: string | null;
  security: unknown;
  anonymous: boolean;
};
type ApiRow = { id: string; name: string; basePath: string; upstreamUrl: string; createdAt: Date; routes: RouteRow[] };

/** Stored `security` JSON → alternatives of scope names; anything else counts as no alternatives. */
export function readSecurity(value: unknown): string[][] {
  if (!Array.isArray(value)) return [];
  return value.filter(Array.isArray).map((alt) => (alt as unknown[]).filter((s) => typeof s === "string") as string[]);
}

const METHOD_ORDER = HTTP_METHODS.map((m) => m.toUpperCase());

/** Routes in a stable order: by path template, then in OpenAPI's method order. */
export function sortRoutes<T extends { method: string; pathTemplate: string }>(routes: T[]): T[] {
  return [...routes].sort(
    (a, b) =>
      (a.pathTemplate < b.pathTemplate ? -1 : a.pathTemplate > b.pathTemplate ? 1 : 0) ||
      METHOD_ORDER.indexOf(a.method) - METHOD_ORDER.indexOf(b.method),
  );
}

export function toRouteView(r: RouteRow): RouteRuleView {
  return {
    method: r.method,
    pathTemplate: r.pathTemplate,
    operationId: r.operationId,
    security: readSecurity(r.security),
    anonymous: r.anonymous,
  };
}

export function toApiView(a: ApiRow): ApiView {
  return {
    id: a.id,
    name: a.name,
    basePath: a.basePath,
    upstreamUrl: a.upstreamUrl,
    routes: sortRoutes(a.routes.map(toRouteView)),
    createdAt: a.createdAt.toISOString(),
  };
}
