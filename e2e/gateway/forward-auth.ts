// Traefik ForwardAuth and Envoy ext_authz (HTTP service), reduced to what they
// do with a request and with Gatehouse's answer, driven by the documented
// configurations (docs/gateways/traefik-dynamic.yml, docs/gateways/envoy.yaml).
// Neither proxy can be installed here (only npm and Debian are reachable, and
// neither packages them), so the e2e checks the contract instead: the requests
// /authz gets are the ones each proxy sends, per its source —
//   Traefik v2/v3 pkg/middlewares/auth/forward.go: GET to `address`, the client's
//     headers (only `authRequestHeaders` when set) minus hop-by-hop, then
//     X-Forwarded-For (client socket address), -Method, -Proto, -Host, -Uri; 2xx →
//     each `authResponseHeaders` name deleted from the request and copied from the
//     answer; anything else → the answer (status, headers, body) to the client.
//   Envoy source/extensions/filters/common/ext_authz/ext_authz_http_impl.cc: the
//     client's method, :path = path_prefix + original path, Content-Length 0, the
//     headers matching allowed_headers plus Authorization, Host, :method, :path;
//     200 → allowed_upstream_headers set on the request, allowed_client_headers_on_success
//     added to the response; 5xx or no answer → status_on_error; other → denied with
//     the status, body and allowed_client_headers (plus Content-Length,
//     WWW-Authenticate, Location).
// The config files' own lists (and routes, header middlewares, header_mutation,
// prefix rewrites) are read from the documented files, so a wrong list there fails.
import { readFileSync } from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { rawRequest } from "./catalog";

const DOCS = path.resolve(import.meta.dirname, "../../docs/gateways");
const DOC_BASE = "/petstore";

/** A request as the client sent it to the proxy. */
export type ClientRequest = {
  method: string;
  /** Path and query, e.g. /petstore/items?x=1. */
  uri: string;
  headers: Record<string, string>;
  /** The client's socket address as the proxy sees it. */
  remoteIp: string;
};

/** What the proxy did: passed the request upstream (as rewritten), or answered the client itself. */
export type ProxyOutcome =
  | { kind: "upstream"; uri: string; headers: Record<string, string>; clientHeaders: Record<string, string> }
  | { kind: "denied"; status: number; headers: Record<string, string>; body: string };

const HOP_BY_HOP = [
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
];

const lower = (h: Record<string, string>) =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));

function flat(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(", ") : v;
  return out;
}

/** The documented file with the catalog API's basePath (/petstore) and Gatehouse's address made this run's. */
function loadDoc(file: string, basePath: string, gatehouse: URL): unknown {
  const text = readFileSync(path.join(DOCS, file), "utf8")
    .replaceAll(DOC_BASE, basePath)
    .replaceAll("http://127.0.0.1:3000", gatehouse.origin);
  return YAML.parse(text);
}

// ── Traefik ─────────────────────────────────────────────────────────────────
type TraefikMiddleware = {
  forwardAuth?: {
    address: string;
    trustForwardHeader?: boolean;
    authRequestHeaders?: string[];
    authResponseHeaders?: string[];
  };
  headers?: { customRequestHeaders?: Record<string, string> };
  stripPrefix?: { prefixes: string[] };
};
type TraefikDynamic = {
  http: {
    routers: Record<string, { rule: string; middlewares?: string[]; service: string }>;
    middlewares: Record<string, TraefikMiddleware>;
  };
};

export function traefik(basePath: string, gatehouse: URL) {
  const conf = loadDoc("traefik-dynamic.yml", basePath, gatehouse) as TraefikDynamic;

  return async function handle(req: ClientRequest): Promise<ProxyOutcome> {
    const pathOnly = req.uri.split("?")[0];
    // Longest PathPrefix wins (Traefik's default priority is the rule's length).
    const routers = Object.values(conf.http.routers)
      .map((r) => ({ r, prefix: /^PathPrefix\(`([^`]+)`\)$/.exec(r.rule)?.[1] }))
      .filter((x) => x.prefix && pathOnly.startsWith(x.prefix))
      .sort((a, b) => b.prefix!.length - a.prefix!.length);
    if (!routers.length) throw new Error(`no Traefik router in the documented config matches ${req.uri}`);
    let headers = lower(req.headers);
    let uri = req.uri;
    for (const name of routers[0].r.middlewares ?? []) {
      const mw = conf.http.middlewares[name];
      if (!mw) throw new Error(`Traefik middleware ${name} is not defined`);
      if (mw.headers?.customRequestHeaders) {
        for (const [k, v] of Object.entries(mw.headers.customRequestHeaders)) {
          if (v === "") delete headers[k.toLowerCase()];
          else headers[k.toLowerCase()] = v;
        }
      }
      if (mw.stripPrefix) {
        const p = mw.stripPrefix.prefixes.find((x) => uri.startsWith(x));
        if (p) uri = uri.slice(p.length) || "/";
      }
      if (mw.forwardAuth) {
        const fa = mw.forwardAuth;
        let sent: Record<string, string> = { ...headers };
        for (const h of HOP_BY_HOP) delete sent[h];
        if (fa.authRequestHeaders?.length) {
          const allowed = new Set(fa.authRequestHeaders.map((h) => h.toLowerCase()));
          sent = Object.fromEntries(Object.entries(sent).filter(([k]) => allowed.has(k)));
        }
        sent["x-forwarded-for"] = req.remoteIp;
        sent["x-forwarded-method"] = req.method;
        sent["x-forwarded-proto"] = "http";
        sent["x-forwarded-host"] = headers.host ?? "gateway.example.test";
        sent["x-forwarded-uri"] = req.uri;
        const res = await rawRequest(fa.address, { method: "GET", headers: sent });
        const answer = flat(res.headers);
        if (res.status < 200 || res.status >= 300) {
          for (const h of HOP_BY_HOP) delete answer[h];
          return { kind: "denied", status: res.status, headers: answer, body: res.text };
        }
        for (const name of fa.authResponseHeaders ?? []) {
          const k = name.toLowerCase();
          delete headers[k];
          if (answer[k] !== undefined) headers[k] = answer[k];
        }
      }
    }
    headers = { ...headers };
    return { kind: "upstream", uri, headers, clientHeaders: {} };
  };
}

// ── Envoy ───────────────────────────────────────────────────────────────────
type Matcher = { exact?: string; prefix?: string };
type EnvoyHcm = {
  use_remote_address?: boolean;
  route_config: {
    virtual_hosts: {
      request_headers_to_remove?: string[];
      routes: { match: { prefix: string }; route: { cluster: string; prefix_rewrite?: string } }[];
    }[];
  };
  http_filters: { name: string; typed_config: Record<string, unknown> }[];
};
type ExtAuthz = {
  status_on_error?: { code: string };
  http_service: {
    path_prefix?: string;
    server_uri: { uri: string };
    authorization_request?: { allowed_headers?: { patterns: Matcher[] } };
    authorization_response?: {
      allowed_upstream_headers?: { patterns: Matcher[] };
      allowed_client_headers?: { patterns: Matcher[] };
      allowed_client_headers_on_success?: { patterns: Matcher[] };
    };
  };
};

const STATUS_CODES: Record<string, number> = { Forbidden: 403, ServiceUnavailable: 503, Unauthorized: 401 };

function matcher(patterns: Matcher[] | undefined, always: string[] = []) {
  const list: Matcher[] = [...(patterns ?? []), ...always.map((exact) => ({ exact }))];
  return (name: string) =>
    list.some((m) => (m.exact !== undefined ? name === m.exact : m.prefix !== undefined && name.startsWith(m.prefix)));
}

export function envoy(basePath: string, gatehouse: URL) {
  const conf = loadDoc("envoy.yaml", basePath, gatehouse) as {
    static_resources: { listeners: { filter_chains: { filters: { typed_config: EnvoyHcm }[] }[] }[] };
  };
  const hcm = conf.static_resources.listeners[0].filter_chains[0].filters[0].typed_config;
  const filters = hcm.http_filters;
  const extAuthz = filters.find((f) => f.name === "envoy.filters.http.ext_authz")?.typed_config as ExtAuthz | undefined;
  if (!extAuthz) throw new Error("envoy.yaml has no ext_authz filter");
  const svc = extAuthz.http_service;
  const requestAllowed = matcher(svc.authorization_request?.allowed_headers?.patterns, ["authorization", "host"]);
  const upstreamAllowed = matcher(svc.authorization_response?.allowed_upstream_headers?.patterns);
  const clientAllowed = matcher(svc.authorization_response?.allowed_client_headers?.patterns, [
    "content-length",
    "www-authenticate",
    "location",
  ]);
  const clientOnSuccess = matcher(svc.authorization_response?.allowed_client_headers_on_success?.patterns);
  const statusOnError = STATUS_CODES[extAuthz.status_on_error?.code ?? "Forbidden"] ?? 403;

  return async function handle(req: ClientRequest): Promise<ProxyOutcome> {
    let headers = lower(req.headers);
    // HTTP connection manager, use_remote_address: the client's address is appended.
    if (hcm.use_remote_address) {
      headers["x-forwarded-for"] = headers["x-forwarded-for"]
        ? `${headers["x-forwarded-for"]}, ${req.remoteIp}`
        : req.remoteIp;
    }
    for (const f of filters) {
      if (f.name === "envoy.filters.http.header_mutation") {
        const m = (f.typed_config as { mutations: { request_mutations: { remove?: string }[] } }).mutations;
        for (const r of m.request_mutations) if (r.remove) delete headers[r.remove.toLowerCase()];
      }
      if (f.name === "envoy.filters.http.ext_authz") {
        const sent: Record<string, string> = { "content-length": "0" };
        for (const [k, v] of Object.entries(headers)) if (k !== "content-length" && requestAllowed(k)) sent[k] = v;
        sent.host ??= "gateway.example.test";
        let res;
        try {
          res = await rawRequest(`${new URL(svc.server_uri.uri).origin}${svc.path_prefix ?? ""}${req.uri}`, {
            method: req.method,
            headers: sent,
          });
        } catch {
          return { kind: "denied", status: statusOnError, headers: {}, body: "" };
        }
        if (res.status >= 500) return { kind: "denied", status: statusOnError, headers: {}, body: "" };
        const answer = flat(res.headers);
        if (res.status !== 200) {
          const h = Object.fromEntries(Object.entries(answer).filter(([k]) => clientAllowed(k)));
          return { kind: "denied", status: res.status, headers: h, body: res.text };
        }
        const clientHeaders = Object.fromEntries(Object.entries(answer).filter(([k]) => clientOnSuccess(k)));
        for (const [k, v] of Object.entries(answer)) if (upstreamAllowed(k)) headers[k] = v;
        // The router: route match, prefix rewrite, headers removed on the way upstream.
        const vh = hcm.route_config.virtual_hosts[0];
        const route = vh.routes.find((r) => req.uri.startsWith(r.match.prefix));
        if (!route) throw new Error(`no Envoy route in the documented config matches ${req.uri}`);
        const uri =
          route.route.prefix_rewrite !== undefined
            ? route.route.prefix_rewrite + req.uri.slice(route.match.prefix.length)
            : req.uri;
        headers = { ...headers };
        for (const h of vh.request_headers_to_remove ?? []) delete headers[h.toLowerCase()];
        return { kind: "upstream", uri, headers, clientHeaders };
      }
    }
    throw new Error("the ext_authz filter did not run");
  };
}
