// `npm run bench:token`: client_credentials tokens per second through the real
// POST /oauth/token of the full server (`server.ts`, NODE_ENV=production,
// oidc-provider), beside a bare node:http server answering the same POST (Basic
// auth, form body) in the same run. Each server runs as its own process pinned
// to core 0; the load generator (wrk, else autocannon) is pinned to core 1.
// Order: bare, token endpoint, bare again — the baseline is the mean of the two
// bare runs.
//
// The confidential client is created through lib/ functions before the server
// starts; every request authenticates with its (correct) secret — wrong secrets
// are throttled, correct ones never are — and asks for one scope. A token
// request must answer 200 with an access_token before and after the run.
//
// Env: see bench/lib.ts and bench/README.md. Exits non-zero on errors
// (non-2xx, no token, crashes), never on the figures.
import path from "node:path";
import {
  benchClient,
  benchPrincipal,
  cpuRatio,
  ensureNextBuild,
  CPU_PROF,
  fmt,
  freePort,
  mean,
  measure,
  noteUnderused,
  pinSelf,
  prepareDatabase,
  ratio,
  requestToken,
  rps,
  runBench,
  say,
  sayRun,
  startBare,
  startGatehouse,
  table,
  tempDir,
  TOKEN_BODY,
  TOKEN_HEADERS,
  waitFor,
  type Target,
} from "./lib";

async function main() {
  ensureNextBuild(); // before pinning: the build, when needed, gets both cores
  const dataDir = await tempDir();
  const db = await prepareDatabase(dataDir, async () => benchClient(await benchPrincipal()));
  const client = db.seeded;

  pinSelf(1);

  const barePort = await freePort();
  const bare = startBare("bare", barePort);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startGatehouse({
    name: "server",
    port,
    db,
    env: { GATEHOUSE_PUBLIC_URL: url },
    profile: true,
    core: 0,
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  await waitFor(`${bareUrl}/`, bare, "bare server");
  await waitFor(`${url}/readyz`, server, "full server", 300_000);

  const request = { method: "POST" as const, headers: TOKEN_HEADERS(client), body: TOKEN_BODY };
  const targets = {
    bare: { name: "bare node:http, POST form", server: bare, url: `${bareUrl}/oauth/token`, ...request },
    token: { name: "POST /oauth/token", server, url: `${url}/oauth/token`, ...request },
  } satisfies Record<string, Target>;

  sayRun(db, "servers on core 0");

  await requestToken(url, client, "before the run");
  const bare1 = await measure(targets.bare, `${targets.bare.name} (1)`);
  const token = await measure(targets.token);
  const bare2 = await measure(targets.bare, `${targets.bare.name} (2)`);
  await requestToken(url, client, "after the run");

  say("");
  table([bare1, token, bare2]);
  say("");
  say(`token endpoint: ${fmt(rps(token))} tokens/s`);
  say(`bare: ${fmt(mean(rps(bare1), rps(bare2)))} req/s`);
  say(`token/bare throughput ratio: ${ratio(token, bare1, bare2)}`);
  say(`(per server CPU-second: token/bare ${cpuRatio(token, bare1, bare2)})`);
  say("goal: ≥ 5000 tokens/s on this 2-core machine (Ory Hydra publishes 513/s on 2 CPUs; Keycloak ~120/s per vCPU)");
  noteUnderused([bare1, token, bare2]);
}

await runBench(main, () => {
  if (CPU_PROF) say(`bench: server CPU profile written to ${path.resolve(CPU_PROF)}`);
});
