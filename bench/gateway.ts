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
// Env: see bench/lib.ts and bench/README.md. Exits non-zero on errors
// (non-2xx or wrong answers, crashes), never on ratios.
import path from "node:path";
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

async function check(gwUrl: string, key: string, when: string) {
  const auth = { authorization: `Bearer ${key}` };
  // Through the gateway to the upstream (bare-server answers {"ok":true} on every path).
  await expectStatus(`${gwUrl}${BASE}${OPERATION}`, auth, 200, when, '{"ok":true}');
  await expectStatus(`${gwUrl}${BASE}${OPERATION}`, {}, 401, when);
  await expectStatus(`${gwUrl}${BASE}/not-an-operation`, auth, 404, when);
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

  sayRun(db, "measured server on core 0, the gateway's upstream on core 1");

  await check(gwUrl, key, "before");
  // Each proxy alternates with the direct call for BENCH_ROUNDS rounds (measurePaired).
  const bp = await measurePaired(targets.bareProxy, targets.direct);
  const gw = await measurePaired(targets.gateway, targets.direct);
  await check(gwUrl, key, "after");

  say("");
  table([bp, gw].flatMap(pairedRows));
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
  say("goal: gateway/direct ≥ 0.5");
  noteUnderused([bp, gw].flatMap(pairedRows));
}

await runBench(main, () => {
  if (CPU_PROF) say(`bench: gateway CPU profile written to ${path.resolve(CPU_PROF)}`);
});
