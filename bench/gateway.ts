// `npm run bench:gateway`: throughput of gateway mode — a GET under a catalog
// API's basePath, authorized in-process (a cached API key, an API with one
// route rule) and proxied to its upstream — against a direct call to the same
// kind of upstream (bench/bare-server.mjs), in one run.
//
// Placement (2 cores): the measured server — the gateway, or the upstream when
// called directly — runs alone on core 0; wrk runs on core 1. The gateway's own
// upstream is a second bare server on core 1 (it uses a fraction of a core at
// the gateway's rate), so the gateway's core does only the gateway's work.
// Each proxy alternates with the direct call for BENCH_ROUNDS rounds; its
// ratio is the median of the rounds' ratios. The bare proxy (bench/bare-proxy.mjs: a pass-through
// proxy on gateway mode's own client, undici, with no authorization) is the same hop without
// Gatehouse. The ratio says how much of one core's direct throughput a client keeps when the same
// core runs the gateway instead (goal ≥ 0.5).
//
// NGINX rows (when nginx is on PATH; BENCH_NGINX=0 skips them), for scale:
// NGINX as a pass-through proxy (the same hop in C: how far a native proxy
// gets here), and NGINX running the documented auth_request config
// (docs/gateways/nginx.conf) against this gateway's /authz, the other way to
// put Gatehouse in front of an API — NGINX and Gatehouse then share core 0.
//
// Env: see bench/lib.ts and bench/README.md. Exits non-zero on errors
// (non-2xx or wrong answers, crashes), never on ratios.
import type { ChildProcess } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { findNginx, renderNginxConf } from "../e2e/gateway/nginx";
import { createApi } from "../lib/catalog/create-api";
import { createKey } from "../lib/keys/create-key";
import { createApiSchema } from "../lib/schemas/apis";
import { oauthScheme } from "../tests/support/openapi";
import {
  BENCH_META,
  benchPrincipal,
  CPU_PROF,
  freePort,
  measurePaired,
  noteUnderused,
  pinned,
  pairedCpuRatio,
  pairedMedian,
  pairedRatio,
  pairedRows,
  pinSelf,
  prepareDatabase,
  ROOT,
  runBench,
  say,
  sayRun,
  SCOPE,
  start,
  startBare,
  startGatehouse,
  table,
  tempDir,
  waitFor,
  type Target,
} from "./lib";

const BASE = "/bench";
const OPERATION = "/hello";

/** One operation, GET /hello, requiring SCOPE: the route table has one rule to match. */
const OPENAPI = {
  openapi: "3.1.0",
  info: { title: "Bench upstream", version: "1" },
  paths: {
    [OPERATION]: {
      get: {
        operationId: "hello",
        security: [{ oauth: [SCOPE] }],
        responses: { "200": { description: "ok" } },
      },
    },
  },
  components: { securitySchemes: { oauth: oauthScheme({ [SCOPE]: "Profile" }) } },
};

async function expectStatus(url: string, headers: Record<string, string>, status: number, when: string, body?: string) {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== status || (body !== undefined && text !== body)) {
    throw new Error(
      `${when} the run: GET ${url} expected ${status}${body ? ` ${body}` : ""}, got ${res.status} ${text.slice(0, 200)}`,
    );
  }
}

/**
 * NGINX (when on PATH; BENCH_NGINX=0 skips it) as one process (`master_process
 * off`, one worker's work) pinned to core 0, its config, temp files and logs in
 * `dir`: the same hop made by a native proxy, for scale.
 */
async function startPinnedNginx(name: string, bin: string, dir: string, conf: string): Promise<ChildProcess> {
  await mkdir(dir, { recursive: true });
  const confPath = path.join(dir, "nginx.conf");
  await writeFile(confPath, conf);
  const errorLog = path.join(dir, "error.log");
  const [cmd, args] = pinned(0, bin, [
    "-p",
    dir,
    "-e",
    errorLog,
    "-c",
    confPath,
    "-g",
    "daemon off; master_process off;",
  ]);
  return start(name, cmd, args, process.env);
}

/** A pass-through proxy: keep-alive to the upstream, nothing else. */
function passThroughConf(dir: string, listen: number, upstreamPort: number): string {
  return `pid ${dir}/nginx.pid;
worker_processes 1;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path ${dir}/client_body;
    proxy_temp_path ${dir}/proxy;
    fastcgi_temp_path ${dir}/fastcgi;
    uwsgi_temp_path ${dir}/uwsgi;
    scgi_temp_path ${dir}/scgi;
    upstream api { server 127.0.0.1:${upstreamPort}; keepalive 64; }
    server {
        listen 127.0.0.1:${listen};
        location / {
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://api;
        }
    }
}
`;
}

/** Through the gateway, or NGINX's auth_request in front of it: `baseUrl` is the proxy's origin. */
async function check(baseUrl: string, key: string, when: string) {
  const auth = { authorization: `Bearer ${key}` };
  // Through to the upstream (bare-server answers {"ok":true} on every path).
  await expectStatus(`${baseUrl}${BASE}${OPERATION}`, auth, 200, when, '{"ok":true}');
  await expectStatus(`${baseUrl}${BASE}${OPERATION}`, {}, 401, when);
  await expectStatus(`${baseUrl}${BASE}/not-an-operation`, auth, 404, when);
}

async function main() {
  const dataDir = await tempDir();
  // The gateway's upstream: a bare server on core 1 (registered as the API's upstreamUrl).
  const upstreamPort = await freePort();
  const db = await prepareDatabase(dataDir, async () => {
    const principal = await benchPrincipal("admin");
    await createApi(
      principal,
      createApiSchema.parse({
        name: "Bench",
        basePath: BASE,
        upstreamUrl: `http://127.0.0.1:${upstreamPort}`,
        openapi: OPENAPI,
      }),
      BENCH_META,
    );
    const created = await createKey(principal, { name: "bench", scopes: [SCOPE], environment: "live" }, BENCH_META);
    return { key: created.key };
  });
  const { key } = db.seeded;

  pinSelf(1);

  const [upCmd, upArgs] = pinned(1, process.execPath, [path.join(ROOT, "bench/bare-server.mjs")]);
  const upstream = start("upstream", upCmd, upArgs, {
    ...process.env,
    PORT: String(upstreamPort),
    HOSTNAME: "127.0.0.1",
  });
  const directPort = await freePort();
  const direct = startBare("direct", directPort);
  // The same hop without Gatehouse: a pass-through proxy on gateway mode's client, undici (bench/bare-proxy.mjs), on core 0.
  const bareProxyPort = await freePort();
  const [bpCmd, bpArgs] = pinned(0, process.execPath, [path.join(ROOT, "bench/bare-proxy.mjs")]);
  const bareProxy = start("bare-proxy", bpCmd, bpArgs, {
    ...process.env,
    PORT: String(bareProxyPort),
    UPSTREAM_PORT: String(upstreamPort),
    HOSTNAME: "127.0.0.1",
  });
  const gwPort = await freePort();
  const gateway = startGatehouse({
    name: "gateway",
    port: gwPort,
    args: ["--gateway"],
    db,
    profile: true,
    core: 0,
  });

  const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
  const directUrl = `http://127.0.0.1:${directPort}`;
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  const bareProxyUrl = `http://127.0.0.1:${bareProxyPort}`;
  await waitFor(`${upstreamUrl}/`, upstream, "upstream");
  await waitFor(`${directUrl}/`, direct, "direct upstream");
  await waitFor(`${bareProxyUrl}/`, bareProxy, "bare proxy");
  await waitFor(`${gwUrl}/readyz`, gateway, "gateway", 180_000);

  const headers = { authorization: `Bearer ${key}` };
  // The direct call is the same request (the bare server ignores path and headers).
  const targets = {
    direct: { name: "direct → upstream", server: direct, url: `${directUrl}${OPERATION}`, method: "GET", headers },
    bareProxy: {
      name: "bare undici proxy",
      server: bareProxy,
      url: `${bareProxyUrl}${BASE}${OPERATION}`,
      method: "GET",
      headers,
    },
    gateway: {
      name: `gateway GET ${BASE}${OPERATION}`,
      server: gateway,
      url: `${gwUrl}${BASE}${OPERATION}`,
      method: "GET",
      headers,
    },
  } satisfies Record<string, Target>;

  // NGINX rows (when nginx is on PATH): a pass-through proxy, and the documented
  // auth_request config (docs/gateways/nginx.conf, as the e2e renders it) asking
  // this gateway's /authz — NGINX and Gatehouse then share core 0.
  const nginxBin = process.env.BENCH_NGINX === "0" ? null : findNginx();
  let nginxTargets: { pass: Target; auth: Target; authBase: string } | null = null;
  if (nginxBin) {
    const [passPort, authPort] = [await freePort(), await freePort()];
    const passDir = path.join(dataDir, "nginx-pass");
    const authDir = path.join(dataDir, "nginx-auth");
    const pass = await startPinnedNginx(
      "nginx-pass",
      nginxBin,
      passDir,
      passThroughConf(passDir, passPort, upstreamPort),
    );
    const rendered = renderNginxConf({
      gatehouse: `127.0.0.1:${gwPort}`,
      upstream: `127.0.0.1:${upstreamPort}`,
      listen: authPort,
      dir: authDir,
      catalogBasePath: BASE,
    });
    // No access log, as in the pass-through (gateway mode writes no log line per call either).
    const accessLog = `access_log ${authDir}/access.log;`;
    if (!rendered.includes(accessLog)) throw new Error(`the rendered nginx config has no "${accessLog}" to turn off`);
    const authConf = rendered.replace(accessLog, "access_log off;");
    const auth = await startPinnedNginx("nginx-auth", nginxBin, authDir, authConf);
    const url = (port: number) => `http://127.0.0.1:${port}${BASE}${OPERATION}`;
    await waitFor(url(passPort), pass, "nginx pass-through", 15_000, headers);
    await waitFor(url(authPort), auth, "nginx auth_request", 15_000, headers);
    nginxTargets = {
      pass: { name: "nginx pass-through proxy", server: pass, url: url(passPort), method: "GET", headers },
      auth: { name: "nginx auth_request → /authz", server: auth, url: url(authPort), method: "GET", headers },
      authBase: `http://127.0.0.1:${authPort}`,
    };
  } else {
    say("bench: nginx is not on PATH (or BENCH_NGINX=0): no NGINX rows");
  }

  sayRun(db, "measured server on core 0, the gateway's upstream on core 1");

  await check(gwUrl, key, "before");
  // The same checks through NGINX's auth_request (its location covers the API's basePath).
  if (nginxTargets) await check(nginxTargets.authBase, key, "before");
  // Each proxy alternates with the direct call for BENCH_ROUNDS rounds (measurePaired).
  const bp = await measurePaired(targets.bareProxy, targets.direct);
  const gw = await measurePaired(targets.gateway, targets.direct);
  const np = nginxTargets && (await measurePaired(nginxTargets.pass, targets.direct));
  const na = nginxTargets && (await measurePaired(nginxTargets.auth, targets.direct));
  await check(gwUrl, key, "after");
  if (nginxTargets) await check(nginxTargets.authBase, key, "after");

  say("");
  const nginxRows = np && na ? [np, na] : [];
  table([bp, gw, ...nginxRows].flatMap(pairedRows));
  say("");
  say(`gateway/direct throughput ratio: ${pairedRatio(gw)}`);
  say(`bare-proxy/direct throughput ratio: ${pairedRatio(bp)}`);
  say(
    `gateway/bare-proxy throughput ratio: ${(pairedMedian(gw) / pairedMedian(bp)).toFixed(2)} ` +
      "(the two medians above)",
  );
  say(
    `(per server CPU-second, medians: gateway/direct ${pairedCpuRatio(gw)}, bare-proxy/direct ${pairedCpuRatio(bp)})`,
  );
  if (np && na) {
    say(
      `nginx-pass-through/direct throughput ratio: ${pairedRatio(np)} (per server CPU-second: ${pairedCpuRatio(np)}, ` +
        "the figure to read when NGINX did not fill its core: see the note below)",
    );
    say(`nginx-auth_request/direct throughput ratio: ${pairedRatio(na)}`);
    say(
      "(the nginx auth_request row's server CPU column is NGINX's alone: Gatehouse's /authz shares core 0 with it; " +
        "the pass-through row's CPU column is all of its work)",
    );
  }
  say("goal: gateway/direct ≥ 0.5");
  noteUnderused([bp, gw, ...(np ? [np] : [])].flatMap(pairedRows));
}

await runBench(main, () => {
  if (CPU_PROF) say(`bench: gateway CPU profile written to ${path.resolve(CPU_PROF)}`);
});
