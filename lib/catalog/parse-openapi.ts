// OpenAPI 3.0/3.1 → the catalog's view of an API: its security schemes, one
// route rule per operation (method + path template → required scopes) and the
// scope names it uses. Pure: no database, no network, no file system (external
// `$ref`s are refused rather than fetched). Validation is @apidevtools/swagger-parser
// (DESIGN.md §3.13); what it does not check for OpenAPI 3 (undefined schemes,
// scope names, duplicate operation ids, equivalent templates) is checked here.
import SwaggerParser from "@apidevtools/swagger-parser";
import { parse as parseYaml, YAMLParseError } from "yaml";
import { SCOPE_NAME } from "../policy/scopes";

/** One thing wrong with a document; `path` is the place in the request body (`openapi.paths./pets.get`). */
export type Problem = { path: string; message: string };

export const HTTP_METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
export type HttpMethod = Uppercase<(typeof HTTP_METHODS)[number]>;

/**
 * OpenAPI's `security` reduced to scopes: alternatives (OR), each a list of scope
 * names that are all required (AND). `[]` as an alternative = any valid credential.
 */
export type SecurityAlternatives = string[][];

export type ParsedRoute = {
  method: HttpMethod;
  /** The document's path key, unchanged: a template relative to the API's basePath. */
  pathTemplate: string;
  operationId: string | null;
  security: SecurityAlternatives;
  /** No credential needed: the requirements include `{}`, are `[]`, or none are declared anywhere. */
  anonymous: boolean;
};

export type ParsedScope = { name: string; description: string | null };

export type ParsedOpenApi = {
  /** The document as given (not dereferenced): what the catalog stores and exports. */
  document: Record<string, unknown>;
  securitySchemes: Record<string, Record<string, unknown>>;
  routes: ParsedRoute[];
  scopes: ParsedScope[];
};

export type ParseResult = { ok: true; value: ParsedOpenApi } | { ok: false; problems: Problem[] };

const ROOT = "openapi";
const SUPPORTED_VERSION = /^3\.[01]\.\d+$/;
/** Enough for large real-world documents; a bigger body is almost certainly a mistake. */
export const MAX_DOCUMENT_CHARS = 5_000_000;

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

// ---------------------------------------------------------------------------
// Text → object

/** JSON or YAML text → a value. JSON is tried first so its errors stay JSON errors. */
export function readOpenApiText(text: string): { ok: true; value: unknown } | { ok: false; problems: Problem[] } {
  if (text.length > MAX_DOCUMENT_CHARS) {
    return {
      ok: false,
      problems: [{ path: ROOT, message: `The document is larger than ${MAX_DOCUMENT_CHARS} characters.` }],
    };
  }
  const trimmed = text.trim();
  if (!trimmed) return { ok: false, problems: [{ path: ROOT, message: "The document is empty." }] };
  try {
    return { ok: true, value: JSON.parse(trimmed) };
  } catch (e) {
    if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
      return { ok: false, problems: [{ path: ROOT, message: `Not valid JSON: ${(e as Error).message}` }] };
    }
  }
  try {
    // The yaml package's defaults refuse duplicate keys and cap alias expansion ("billion laughs").
    return { ok: true, value: parseYaml(trimmed, { prettyErrors: true }) };
  } catch (e) {
    const message = e instanceof YAMLParseError ? e.message.split("\n")[0] : (e as Error).message;
    return { ok: false, problems: [{ path: ROOT, message: `Not valid JSON or YAML: ${message}` }] };
  }
}

// ---------------------------------------------------------------------------
// Security requirements → scopes

/**
 * Reduce an operation's effective `security` (the operation's own, else the
 * document's top-level one) to scope alternatives.
 *
 * Decision — nothing declared (no operation security, no top-level security):
 * OpenAPI says such an operation has no security requirement, so the rule is
 * anonymous with no alternatives (`{security: [], anonymous: true}`), exactly
 * like an explicit `security: []`. The catalog does not invent a requirement the
 * document does not state; an admin who wants one adds top-level `security`.
 *
 * `{}` among the requirements makes the operation callable without a credential
 * (anonymous) and contributes no alternative; every other requirement object
 * becomes one alternative: the union of the scopes of all schemes it names (AND).
 * For non-OAuth schemes in 3.1 the listed values are role names; they are
 * treated as scopes too, since that is what Gatehouse can check.
 */
export function reduceSecurity(requirements: unknown): { security: SecurityAlternatives; anonymous: boolean } {
  if (!Array.isArray(requirements) || requirements.length === 0) return { security: [], anonymous: true };
  let anonymous = false;
  const seen = new Set<string>();
  const security: SecurityAlternatives = [];
  for (const req of requirements) {
    if (!isObject(req)) continue;
    const names = Object.keys(req);
    if (names.length === 0) {
      anonymous = true;
      continue;
    }
    const scopes = [...new Set(names.flatMap((n) => (Array.isArray(req[n]) ? (req[n] as unknown[]).map(String) : [])))];
    const key = [...scopes].sort().join(" ");
    if (seen.has(key)) continue;
    seen.add(key);
    security.push(scopes);
  }
  return { security, anonymous };
}

/** Order-insensitive equality of two reduced requirements (alternatives and the scopes inside them). */
export function sameSecurity(
  a: { security: SecurityAlternatives; anonymous: boolean },
  b: { security: SecurityAlternatives; anonymous: boolean },
): boolean {
  const canon = (s: SecurityAlternatives) => [...new Set(s.map((alt) => [...new Set(alt)].sort().join(" ")))].sort();
  const ca = canon(a.security);
  const cb = canon(b.security);
  return a.anonymous === b.anonymous && ca.length === cb.length && ca.every((v, i) => v === cb[i]);
}

// ---------------------------------------------------------------------------
// Validation (swagger-parser) and its errors → problems

/** JSON Pointer (`/paths/~1pets/get`) → `openapi.paths./pets.get`. */
export function pointerToPath(pointer: string): string {
  const segments = pointer
    .split("/")
    .slice(1)
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  return [ROOT, ...segments].join(".");
}

type AjvError = {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message?: string;
};

function ajvMessage(e: AjvError): string {
  const p = e.params;
  if (e.keyword === "additionalProperties") return `unexpected property '${String(p.additionalProperty)}'`;
  if (e.keyword === "unevaluatedProperties") return `unexpected property '${String(p.unevaluatedProperty)}'`;
  if (e.keyword === "required") return `missing required property '${String(p.missingProperty)}'`;
  if (e.keyword === "enum" && Array.isArray(p.allowedValues)) return `must be one of: ${p.allowedValues.join(", ")}`;
  return e.message ?? e.keyword;
}

/** Which alternative of a `oneOf` an error came from: its schema path up to the first keyword (`#/definitions/HTTPSecurityScheme`). */
function branchOf(schemaPath: string): string {
  const m = /^#(?:\/(?:definitions|\$defs)\/[^/]+)*/.exec(schemaPath);
  return m ? m[0] : "#";
}

/**
 * The JSON Schema of OpenAPI is full of `oneOf` (a thing or a `$ref`; one shape
 * per security scheme type), and Ajv reports every branch that failed. Keep the
 * errors of the branch the author meant: drop "or a $ref" and the `oneOf`/`if`
 * summaries, drop the branches whose `type` discriminator did not match, drop
 * "unexpected property" when it is only the echo of another failure at the same
 * place (3.1's `unevaluatedProperties`), and if that silences a place entirely
 * (an unknown `type`), say which `type` values are allowed.
 */
export function ajvProblems(errors: readonly AjvError[]): Problem[] {
  const misses = errors.filter((e) => e.keyword === "enum" && e.instancePath.endsWith("/type"));
  const dead = new Set(misses.map((e) => `${e.instancePath.replace(/\/type$/, "")}\u0000${branchOf(e.schemaPath)}`));
  const isDead = (e: AjvError) => {
    const owner = e.instancePath.replace(/\/type$/, "");
    return dead.has(`${owner}\u0000${branchOf(e.schemaPath)}`);
  };
  let specific = errors.filter(
    (e) =>
      !isDead(e) &&
      e.keyword !== "oneOf" &&
      e.keyword !== "anyOf" &&
      e.keyword !== "if" &&
      !(e.keyword === "required" && e.params.missingProperty === "$ref"),
  );
  specific = specific.filter(
    (e) =>
      e.keyword !== "unevaluatedProperties" ||
      !specific.some((o) => o.keyword !== "unevaluatedProperties" && o.instancePath === e.instancePath),
  );
  const kept: AjvError[] = [...specific];
  const allowed = new Map<string, Set<string>>();
  for (const e of misses) {
    const owner = e.instancePath.replace(/\/type$/, "");
    if (specific.some((s) => s.instancePath === owner || s.instancePath.startsWith(`${owner}/`))) continue;
    const set = allowed.get(e.instancePath) ?? new Set<string>();
    for (const v of (e.params.allowedValues as unknown[]) ?? []) set.add(String(v));
    allowed.set(e.instancePath, set);
  }
  for (const [instancePath, values] of allowed) {
    kept.push({ instancePath, schemaPath: "", keyword: "enum", params: { allowedValues: [...values] } });
  }
  const source = kept.length > 0 ? kept : [...errors];
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of source) {
    const problem = { path: pointerToPath(e.instancePath), message: ajvMessage(e) };
    const key = `${problem.path}\u0000${problem.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(problem);
  }
  return out;
}

function validationErrorProblems(err: unknown): Problem[] {
  const e = err as Error & { details?: unknown };
  if (Array.isArray(e.details) && e.details.length > 0) return ajvProblems(e.details as AjvError[]);
  const message = (e?.message ?? String(err)).replace(/^Swagger schema validation failed\.\s*/, "").trim();
  return [{ path: ROOT, message: message || "The document is not a valid OpenAPI document." }];
}

/** Every `$ref` that points outside the document: Gatehouse never fetches URLs or reads files for an import. */
function externalRefs(value: unknown, pointer = "", out: Problem[] = []): Problem[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => externalRefs(v, `${pointer}/${i}`, out));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const child = `${pointer}/${k.replace(/~/g, "~0").replace(/\//g, "~1")}`;
      if (k === "$ref" && typeof v === "string" && !v.startsWith("#")) {
        out.push({
          path: pointerToPath(child),
          message: `External reference '${v}' is not supported: import a bundled document (all $refs inside it).`,
        });
      } else {
        externalRefs(v, child, out);
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Extraction

const templateShape = (path: string) => path.replace(/\{[^}]*\}/g, "{}");

/** From a validated, dereferenced document: schemes, routes, scopes, and the semantic problems. */
export function extractCatalog(doc: Obj): Omit<ParsedOpenApi, "document"> & { problems: Problem[] } {
  const problems: Problem[] = [];
  const components = isObject(doc.components) ? doc.components : {};
  const schemes: Record<string, Record<string, unknown>> = {};
  if (isObject(components.securitySchemes)) {
    for (const [name, scheme] of Object.entries(components.securitySchemes)) {
      if (isObject(scheme)) schemes[name] = scheme;
    }
  }

  // Declared scopes (with descriptions) from every OAuth 2 flow.
  const scopeInfo = new Map<string, string | null>();
  const addScope = (name: string, description: string | null, path: string) => {
    if (!SCOPE_NAME.test(name)) {
      problems.push({
        path,
        message: `Scope '${name}' is not a valid scope name (1–64 visible characters, no spaces, quotes or backslashes).`,
      });
      return;
    }
    const known = scopeInfo.get(name);
    if (known === undefined || (known === null && description)) scopeInfo.set(name, description);
  };
  for (const [name, scheme] of Object.entries(schemes)) {
    if (scheme.type !== "oauth2" || !isObject(scheme.flows)) continue;
    for (const [flowName, flow] of Object.entries(scheme.flows)) {
      if (!isObject(flow) || !isObject(flow.scopes)) continue;
      for (const [scope, description] of Object.entries(flow.scopes)) {
        const text = typeof description === "string" && description.trim() ? description.trim() : null;
        addScope(scope, text, `${ROOT}.components.securitySchemes.${name}.flows.${flowName}.scopes`);
      }
    }
  }

  const checkRequirements = (requirements: unknown, path: string) => {
    if (!Array.isArray(requirements)) return;
    requirements.forEach((req, i) => {
      if (!isObject(req)) return;
      for (const [scheme, scopes] of Object.entries(req)) {
        if (!schemes[scheme]) {
          problems.push({
            path: `${path}.${i}.${scheme}`,
            message: `Security scheme '${scheme}' is not defined in components.securitySchemes.`,
          });
        }
        if (Array.isArray(scopes)) for (const s of scopes) addScope(String(s), null, `${path}.${i}.${scheme}`);
      }
    });
  };
  checkRequirements(doc.security, `${ROOT}.security`);

  const routes: ParsedRoute[] = [];
  const operationIds = new Map<string, string>();
  const shapes = new Map<string, string>();
  const paths = isObject(doc.paths) ? doc.paths : {};
  for (const [pathTemplate, item] of Object.entries(paths)) {
    if (pathTemplate.startsWith("x-") || !isObject(item)) continue; // extensions
    const shape = templateShape(pathTemplate);
    const clash = shapes.get(shape);
    if (clash !== undefined) {
      problems.push({
        path: `${ROOT}.paths.${pathTemplate}`,
        message: `Paths '${clash}' and '${pathTemplate}' are the same route (only the parameter names differ).`,
      });
      continue;
    }
    shapes.set(shape, pathTemplate);
    for (const method of HTTP_METHODS) {
      const op = item[method];
      if (!isObject(op)) continue;
      const where = `${ROOT}.paths.${pathTemplate}.${method}`;
      const operationId = typeof op.operationId === "string" ? op.operationId : null;
      if (operationId !== null) {
        const first = operationIds.get(operationId);
        if (first) {
          problems.push({
            path: `${where}.operationId`,
            message: `Duplicate operationId '${operationId}' (also used by ${first}).`,
          });
        } else {
          operationIds.set(operationId, `${method.toUpperCase()} ${pathTemplate}`);
        }
      }
      checkRequirements(op.security, `${where}.security`);
      const effective = op.security !== undefined ? op.security : doc.security;
      routes.push({
        method: method.toUpperCase() as HttpMethod,
        pathTemplate,
        operationId,
        ...reduceSecurity(effective),
      });
    }
  }

  // Scopes the operations need but no flow declared (openIdConnect, or 3.1 role names).
  for (const route of routes)
    for (const alt of route.security) for (const s of alt) if (!scopeInfo.has(s)) scopeInfo.set(s, null);

  return {
    securitySchemes: schemes,
    routes,
    scopes: [...scopeInfo].map(([name, description]) => ({ name, description })),
    problems,
  };
}

// ---------------------------------------------------------------------------
// The whole pipeline

/**
 * A document (object, or JSON/YAML text) → catalog entries, or every problem found.
 * Only OpenAPI 3.0.x and 3.1.x; a document without `paths` is fine (no routes).
 */
export async function parseOpenApi(input: unknown): Promise<ParseResult> {
  let raw = input;
  if (typeof input === "string") {
    const read = readOpenApiText(input);
    if (!read.ok) return read;
    raw = read.value;
  }
  if (!isObject(raw)) {
    return { ok: false, problems: [{ path: ROOT, message: "The document must be an OpenAPI object." }] };
  }
  const doc = raw;
  if (doc.swagger !== undefined) {
    return {
      ok: false,
      problems: [
        {
          path: `${ROOT}.swagger`,
          message: "Swagger 2.0 documents are not supported: convert to OpenAPI 3.0 or 3.1 first.",
        },
      ],
    };
  }
  if (typeof doc.openapi !== "string" || !SUPPORTED_VERSION.test(doc.openapi)) {
    return {
      ok: false,
      problems: [
        {
          path: `${ROOT}.openapi`,
          message: `Only OpenAPI 3.0.x and 3.1.x documents are supported (got ${doc.openapi === undefined ? "no version" : JSON.stringify(doc.openapi)}).`,
        },
      ],
    };
  }
  const external = externalRefs(doc);
  if (external.length > 0) return { ok: false, problems: external };
  let text: string;
  try {
    text = JSON.stringify(doc);
  } catch {
    return { ok: false, problems: [{ path: ROOT, message: "The document must be plain JSON data." }] };
  }
  if (text.length > MAX_DOCUMENT_CHARS) {
    return {
      ok: false,
      problems: [{ path: ROOT, message: `The document is larger than ${MAX_DOCUMENT_CHARS} characters.` }],
    };
  }
  // PostgreSQL's jsonb cannot store U+0000.
  if (text.includes("\\u0000")) {
    return { ok: false, problems: [{ path: ROOT, message: "The document contains a NUL character (\\u0000)." }] };
  }

  // swagger-parser dereferences the object it is given in place (cycles included): give it a copy.
  const copy = JSON.parse(text) as Obj;
  // A document that only describes servers/components (no paths yet) registers an API without routes;
  // swagger-parser (and 3.0's schema) would reject it for lacking `paths`.
  copy.paths ??= {};
  let dereferenced: Obj;
  try {
    dereferenced = (await SwaggerParser.validate(
      copy as never,
      {
        resolve: { external: false, file: false, http: false },
      } as never,
    )) as unknown as Obj;
  } catch (err) {
    return { ok: false, problems: validationErrorProblems(err) };
  }

  const { problems, ...catalog } = extractCatalog(dereferenced);
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: { document: JSON.parse(text) as Obj, ...catalog } };
}
