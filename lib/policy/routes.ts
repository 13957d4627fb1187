// Route rules from the API catalog as a pure lookup: (method, path) → the API
// it belongs to and the operation's security requirement. find-my-way (the
// radix-tree router behind Fastify) does the path-template matching.
import FindMyWay from "find-my-way";

/** A route rule as the catalog stores it (see prisma RouteRule). */
export type RouteRuleInput = {
  method: string;
  pathTemplate: string;
  operationId?: string | null;
  /** Alternatives, each a list of scopes that must all be held. [] inside = any valid credential. */
  security: readonly (readonly string[])[];
  anonymous: boolean;
};

export type ApiInput = {
  id: string;
  name: string;
  basePath: string;
  upstreamUrl: string;
  routes: readonly RouteRuleInput[];
};

export type ApiEntry = { id: string; name: string; basePath: string; upstreamUrl: string; hasRoutes: boolean };
export type RouteEntry = RouteRuleInput & { api: ApiEntry };

export type RouteMatch =
  /** The path is under no API: no route rule applies. */
  | { kind: "none" }
  /** The path is under an API with route rules, but no operation matches. */
  | { kind: "unknown_route"; api: ApiEntry }
  | { kind: "route"; api: ApiEntry; rule: RouteEntry | null; params: Record<string, string | undefined> };

type Router = ReturnType<typeof FindMyWay>;

const paramName = (name: string) => name.replace(/[^\w]/g, "_");

/**
 * "/pets/{petId}" → "/pets/:petId"; a literal ":" is doubled (find-my-way's
 * escape). A parameter followed by a literal colon ("/v1/{name}:cancel", a
 * custom method) gets a regex so the suffix stays literal instead of being
 * read into the parameter's name.
 */
export function toRouterPath(template: string): string {
  return template
    .replace(/:/g, "::")
    .replace(/\{([^}/]+)\}(?=::)/g, (_m, name: string) => `:${paramName(name)}(^[^/]+?)`)
    .replace(/\{([^}/]+)\}/g, (_m, name: string) => `:${paramName(name)}`);
}

export class RouteTable {
  /** Longest base path first, so /api/v2 wins over /api. */
  private readonly apis: { entry: ApiEntry; router: Router | null; base: string }[];
  /** Route rules the router could not hold (a duplicate, an unsupported template): "API: METHOD /path". */
  readonly skipped: string[] = [];

  constructor(apis: readonly ApiInput[]) {
    this.apis = apis
      .map((a) => {
        const entry: ApiEntry = {
          id: a.id,
          name: a.name,
          basePath: a.basePath,
          upstreamUrl: a.upstreamUrl,
          hasRoutes: a.routes.length > 0,
        };
        let router: Router | null = null;
        if (a.routes.length > 0) {
          // Case-insensitive, like the base path: an upstream that folds case must
          // not reach an operation under a spelling that dodges its rule.
          router = FindMyWay({ caseSensitive: false, ignoreTrailingSlash: false, ignoreDuplicateSlashes: false });
          for (const r of a.routes) {
            const rule: RouteEntry = { ...r, api: entry };
            try {
              router.on(r.method.toUpperCase() as "GET", toRouterPath(r.pathTemplate), () => undefined, rule);
            } catch {
              // A template the router can't hold (or a duplicate) is skipped, not fatal for the table.
              this.skipped.push(`${a.name}: ${r.method.toUpperCase()} ${r.pathTemplate}`);
            }
          }
        }
        return { entry, router, base: a.basePath.toLowerCase() };
      })
      .sort((a, b) => b.entry.basePath.length - a.entry.basePath.length);
  }

  get size(): number {
    return this.apis.length;
  }

  /** The API whose basePath holds `path` (segment boundary), or null. */
  apiFor(path: string): { entry: ApiEntry; router: Router | null } | null {
    const lower = path.toLowerCase();
    for (const a of this.apis) {
      const base = a.base;
      if (lower === base || (lower.startsWith(base) && lower.charCodeAt(base.length) === 47) /* / */ || base === "/") {
        return a;
      }
    }
    return null;
  }

  /** Matches a request path (no query string) and method. */
  match(method: string, path: string): RouteMatch {
    if (this.apis.length === 0) return { kind: "none" };
    const api = this.apiFor(path);
    if (!api) return { kind: "none" };
    if (!api.router) return { kind: "route", api: api.entry, rule: null, params: {} };
    const rel = api.entry.basePath === "/" ? path : path.slice(api.entry.basePath.length) || "/";
    const found = api.router.find(method.toUpperCase() as "GET", rel);
    if (!found) return { kind: "unknown_route", api: api.entry };
    // OpenAPI path parameters are always required: "/pets/" is not "/pets/{petId}".
    for (const k in found.params) if (found.params[k] === "") return { kind: "unknown_route", api: api.entry };
    return { kind: "route", api: api.entry, rule: found.store as RouteEntry, params: found.params };
  }
}

export const EMPTY_ROUTE_TABLE = new RouteTable([]);

/** Security alternatives: the first that `granted` satisfies, else null. [] = no alternatives = nothing needed. */
export function satisfiedAlternative(
  security: readonly (readonly string[])[],
  granted: ReadonlySet<string>,
): readonly string[] | null {
  if (security.length === 0) return [];
  for (const alt of security) if (alt.every((s) => granted.has(s))) return alt;
  return null;
}
