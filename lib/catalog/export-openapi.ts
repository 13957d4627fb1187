// Export an API of the catalog as an OpenAPI document: the imported document
// (or a minimal one), pointed at Gatehouse, with the stored security schemes
// and with every operation's `security` agreeing with its route rule — the rules
// are the truth, so importing the export yields the same rules and schemes.
import { ApiError } from "../api/errors";
import { assertPlatformAdmin, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { readSecurity } from "./api-view";
import { HTTP_METHODS, reduceSecurity, sameSecurity, type SecurityAlternatives } from "./parse-openapi";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

export type ExportRoute = {
  method: string;
  pathTemplate: string;
  operationId: string | null;
  security: SecurityAlternatives;
  anonymous: boolean;
};

export type ExportInput = {
  name: string;
  basePath: string;
  openapi: unknown;
  securitySchemes: unknown;
  routes: ExportRoute[];
};

/** The conventional top-level order (jsonb storage sorts keys by length). */
const TOP_LEVEL_ORDER = [
  "openapi",
  "info",
  "jsonSchemaDialect",
  "servers",
  "security",
  "tags",
  "paths",
  "webhooks",
  "components",
  "externalDocs",
];

/** `#/components/pathItems/Pets` → that value of the document (undefined when it does not exist). */
function resolvePointer(doc: Obj, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let cur: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~");
    if (!isObject(cur) && !Array.isArray(cur)) return undefined;
    cur = (cur as Obj)[key];
  }
  return cur;
}

/** A scheme name for each kind of alternative when the document does not already say it. */
function synthesizeSecurity(route: ExportRoute, schemes: Record<string, Obj>): { requirements: Obj[]; added?: Obj } {
  if (route.security.length === 0) return { requirements: [] }; // `security: []` — no credential needed
  const names = Object.keys(schemes);
  const scoped = names.find((n) => schemes[n].type === "oauth2" || schemes[n].type === "openIdConnect");
  const plain = names.find((n) => schemes[n].type === "apiKey" || schemes[n].type === "http");
  let added: Obj | undefined;
  let fallback = names[0];
  if (!fallback) {
    // Only reachable when rules were changed without any scheme in the document.
    fallback = "gatehouse";
    added = { type: "http", scheme: "bearer", description: "A Gatehouse API key or OAuth access token." };
  }
  const requirements: Obj[] = route.anonymous ? [{}] : [];
  for (const alt of route.security) {
    requirements.push(alt.length > 0 ? { [scoped ?? fallback]: alt } : { [plain ?? fallback]: [] });
  }
  return { requirements, added };
}

/** Pure: the export document for an API and its route rules, served at `serverUrl` (Gatehouse's URL of the API). */
export function buildOpenApiExport(input: ExportInput, serverUrl: string): Obj {
  const doc: Obj = isObject(input.openapi)
    ? (structuredClone(input.openapi) as Obj)
    : { openapi: "3.1.0", info: { title: input.name, version: "1.0.0" }, paths: {} };
  // Callers reach the API through Gatehouse, never the upstream directly.
  doc.servers = [{ url: serverUrl, description: `${input.name} through Gatehouse` }];

  const components: Obj = isObject(doc.components) ? doc.components : {};
  const schemes: Record<string, Obj> = {};
  if (isObject(input.securitySchemes)) {
    for (const [k, v] of Object.entries(input.securitySchemes)) if (isObject(v)) schemes[k] = v;
  }
  const paths: Obj = isObject(doc.paths) ? doc.paths : {};
  const ruleKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
  const rules = new Map(input.routes.map((r) => [ruleKey(r.method, r.pathTemplate), r]));

  // Inline path items given by `$ref` (#/components/pathItems/…): each path's operations get their own security.
  for (const [path, item] of Object.entries(paths)) {
    if (!isObject(item) || typeof item.$ref !== "string") continue;
    const { $ref, ...siblings } = item;
    const target = resolvePointer(doc, $ref);
    paths[path] = { ...(isObject(target) ? (structuredClone(target) as Obj) : {}), ...siblings };
  }

  // Operations without a rule are no longer in the catalog; a path left without operations goes too.
  for (const [path, item] of Object.entries(paths)) {
    if (path.startsWith("x-") || !isObject(item)) continue;
    for (const m of HTTP_METHODS) if (isObject(item[m]) && !rules.has(ruleKey(m, path))) delete item[m];
    if (!HTTP_METHODS.some((m) => isObject(item[m]))) delete paths[path];
  }

  for (const rule of input.routes) {
    const method = rule.method.toLowerCase();
    let item = paths[rule.pathTemplate];
    if (!isObject(item)) {
      item = {};
      paths[rule.pathTemplate] = item;
    }
    let op = (item as Obj)[method];
    if (!isObject(op)) {
      op = {
        ...(rule.operationId ? { operationId: rule.operationId } : {}),
        responses: { default: { description: "The upstream API's response." } },
      };
      (item as Obj)[method] = op;
    }
    const operation = op as Obj;
    const current = reduceSecurity(operation.security !== undefined ? operation.security : doc.security);
    if (sameSecurity(current, rule)) continue;
    const { requirements, added } = synthesizeSecurity(rule, schemes);
    if (added) schemes.gatehouse = added;
    operation.security = requirements;
  }
  doc.paths = paths;

  if (Object.keys(schemes).length > 0) {
    components.securitySchemes = schemes;
    doc.components = components;
  } else if (isObject(doc.components)) {
    delete components.securitySchemes;
    if (Object.keys(components).length === 0) delete doc.components;
  }

  const ordered: Obj = {};
  for (const k of TOP_LEVEL_ORDER) if (k in doc) ordered[k] = doc[k];
  for (const [k, v] of Object.entries(doc)) if (!(k in ordered)) ordered[k] = v;
  return ordered;
}

/** GET /api/v1/apis/{id}/openapi.json */
export async function exportOpenApi(principal: Principal, id: string, publicUrl: string): Promise<Obj> {
  assertPlatformAdmin(principal);
  const api = await prisma.api.findUnique({
    where: { id },
    select: {
      name: true,
      basePath: true,
      openapi: true,
      securitySchemes: true,
      routes: { select: { method: true, pathTemplate: true, operationId: true, security: true, anonymous: true } },
    },
  });
  if (!api) throw new ApiError("not_found", "No such API.");
  return buildOpenApiExport(
    { ...api, routes: api.routes.map((r) => ({ ...r, security: readSecurity(r.security) })) },
    `${publicUrl.replace(/\/+$/, "")}${api.basePath}`,
  );
}
