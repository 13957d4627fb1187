// `npm run bench:verify`: throughput of the data plane's POST /v1/verify (valid
// key) and /authz against a bare node:http server returning 200, in one run.
// Each server runs as its own process pinned to core 0; the load generator
// (autocannon, in this process) is pinned to core 1. Order: bare, verify,
// authz, bare again — the baseline is the mean of the two bare runs, the bare
// server answering the same request shape (POST with the verify body; GET with
// the authz headers).
//
// Env: BENCH_SECONDS (measured seconds per target, default 8), BENCH_WARMUP_SECONDS
// (default 2), BENCH_CONNECTIONS (default 50), BENCH_PIPELINING (default 1), BENCH_CPU_PROF=<dir> (write a
// V8 CPU profile of the gateway process there), TEST_DATABASE_URL (a PostgreSQL
// server where a throwaway database is created; default: the local one at
// 127.0.0.1:5432 when reachable), BENCH_DB=embedded (force the embedded PGlite).
// Exits non-zero on errors (non-2xx or wrong answers, crashes), never on ratios.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import autocannon, { type Result } from "autocannon";
import pg from "pg";
import { generateSecret, PREFIXES } from "../lib/credentials/format";
import { createPrisma, setPrisma } from "../lib/db";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { migrateDeploy } from "../lib/db/migrate";
import { createKey } from "../lib/keys/create-key";
import { principalForUser } from "../lib/auth/resolve-principal";
import { seedScopes } from "../lib/scopes/seed-scopes";
import { ensureUser } from "../lib/users/sign-up";
import { createTestDb, type TestDb } from "../tests/support/test-db";

const ROOT = path.resolve(import.meta.dirname, "..");
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
const CPU_PROF = process.env.BENCH_CPU_PROF;
const LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres";
const SCOPE = "read:profile";

const children: ChildProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];

function say(msg: string) {
  console.log(msg);
}

// ── CPU pinning ────────────────────────────────────────────────────────────
const canPin =
  spawnSync("sh", ["-c", "command -v taskset"], { stdio: "ignore" }).status === 0 && os.availableParallelism() >= 2;

function pinSelf(core: number) {
  // -a: every thread of this process (and threads created later inherit it).
  const r = spawnSync("taskset", ["-a", "-c", "-p", String(core), String(process.pid)], { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`taskset failed to pin the load generator to core ${core}`);
}

function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return canPin ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
}

// ── processes ──────────────────────────────────────────────────────────────
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  child.stdout?.on("data", (c: Buffer) => {
    for (const line of c.toString().split("\n"))
      if (line.trim() && !line.startsWith("listening ")) say(`[${name}] ${line}`);
  });
  child.once("exit", (code, signal) => {
    if (!stopping) {
      console.error(`bench: ${name} exited unexpectedly (${signal ?? code})`);
      failed = true;
    }
  });
  children.push(child);
  return child;
}

async function waitFor(url: string, child: ChildProcess, name: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it was ready`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms`);
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

let stopping = false;
let failed = false;

async function cleanup() {
  stopping = true;
  for (const child of children) await stopChild(child).catch(() => undefined);
  for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => console.error("bench: cleanup:", e));
}

// ── database, user and key ─────────────────────────────────────────────────
async function reachable(url: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1500 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch {
    return false;
  }
}

type Db = { mode: "server" | "embedded"; gatewayEnv: Record<string, string> };

async function seedKey(url: string, poolMax: number): Promise<{ id: string; key: string }> {
  process.env.DATABASE_URL = url;
  const prisma = createPrisma(url, poolMax);
  setPrisma(prisma);
  try {
    await seedScopes(prisma);
    const { userId } = await ensureUser({
      email: `bench-${Date.now().toString(36)}@example.test`,
      password: "bench password 123",
    });
    const principal = await principalForUser(userId);
    if (!principal) throw new Error("bench: no principal for the new user");
    const created = await createKey(
      principal,
      { name: "bench", scopes: [SCOPE], environment: "live" },
      { ip: "127.0.0.1", userAgent: "bench" },
    );
    return { id: created.id, key: created.key };
  } finally {
    await prisma.$disconnect();
    setPrisma(undefined);
  }
}

async function prepareDatabase(dataDir: string): Promise<Db & { key: { id: string; key: string } }> {
  let mode: "server" | "embedded" = "embedded";
  if (process.env.BENCH_DB !== "embedded") {
    if (process.env.TEST_DATABASE_URL) mode = "server";
    else if (await reachable(LOCAL_PG)) {
      process.env.TEST_DATABASE_URL = LOCAL_PG;
      mode = "server";
    }
  }
  if (mode === "server") {
    const db: TestDb = await createTestDb("server");
    cleanups.push(db.drop);
    const key = await seedKey(db.url, 2);
    return { mode, key, gatewayEnv: { DATABASE_URL: db.url } };
  }
  // Embedded: PGlite serves one connection, so the gateway must own it. Seed the
  // data directory here, stop, then let the gateway boot its embedded database on it.
  const embedded = await startEmbeddedPostgres(dataDir);
  let key: { id: string; key: string };
  try {
    await migrateDeploy(embedded.url);
    key = await seedKey(embedded.url, 1);
  } finally {
    await embedded.stop();
  }
  return { mode, key, gatewayEnv: { DATABASE_URL: "" } };
}

// ── server CPU accounting (Linux /proc) ────────────────────────────────────
// Throughput alone cannot tell a slow server from a saturated load generator;
// the server's CPU use during the run can. Requests per server CPU-second is
// also far less sensitive to other load on the machine than req/s.
const CLK_TCK = Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;

function cpuSeconds(pid: number | undefined): number | null {
  if (!pid) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK; // utime + stime, all threads
  } catch {
    return null;
  }
}

/** Busy and total jiffies per core, from /proc/stat (null off Linux). */
function coreTimes(): { busy: number; total: number }[] | null {
  try {
    return readFileSync("/proc/stat", "utf8")
      .split("\n")
      .filter((l) => /^cpu\d+ /.test(l))
      .map((l) => {
        const v = l.trim().split(/\s+/).slice(1).map(Number);
        const idle = v[3] + (v[4] ?? 0); // idle + iowait
        const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
        return { busy: total - idle, total };
      });
  } catch {
    return null;
  }
}

// ── load ───────────────────────────────────────────────────────────────────
type Target = {
  name: string;
  url: string;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string;
  server: ChildProcess;
};
/** cpu: the server's CPU use (1 = one full core); cores: how busy cores 0 and 1 were (everything on them). */
type Row = { name: string; result: Result; cpu: number | null; cores: number[] | null };

async function load(t: Target, seconds: number): Promise<Result> {
  return autocannon({
    url: t.url,
    method: t.method,
    headers: t.headers,
    body: t.body,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
  });
}

async function measure(t: Target): Promise<Row> {
  if (WARMUP > 0) await load(t, WARMUP);
  const cpu0 = cpuSeconds(t.server.pid);
  const cores0 = coreTimes();
  const started = process.hrtime.bigint();
  const result = await load(t, SECONDS);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu1 = cpuSeconds(t.server.pid);
  const cores1 = coreTimes();
  const cores =
    cores0 && cores1 && cores0.length >= 2
      ? [0, 1].map((i) => (cores1[i].busy - cores0[i].busy) / Math.max(1, cores1[i].total - cores0[i].total))
      : null;
  const cpu = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / wall : null;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) {
    failed = true;
    console.error(`bench: ${t.name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  if (failed) throw new Error(`${t.name} failed (see above)`);
  return { name: t.name, result, cpu, cores };
}

async function checkVerify(url: string, key: { id: string; key: string }, when: string) {
  const res = await fetch(`${url}/v1/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key: key.key, scopes: [SCOPE] }),
  });
  const body = (await res.json()) as { valid?: boolean; keyId?: string };
  if (res.status !== 200 || body.valid !== true || body.keyId !== key.id) {
    throw new Error(
      `verify ${when} the run: expected {"valid":true,"keyId":"${key.id}"}, got ${res.status} ${JSON.stringify(body)}`,
    );
  }
  const unknown = await fetch(`${url}/v1/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ key: generateSecret(PREFIXES.apiKeyLive) }),
  });
  const ub = (await unknown.json()) as { valid?: boolean; code?: string };
  if (ub.valid !== false)
    throw new Error(`verify ${when} the run: an unknown key was not rejected: ${JSON.stringify(ub)}`);
}

async function checkAuthz(url: string, key: { id: string; key: string }, when: string) {
  const res = await fetch(`${url}/authz`, {
    headers: { authorization: `Bearer ${key.key}`, "x-required-scopes": SCOPE },
  });
  await res.arrayBuffer();
  if (res.status !== 200 || res.headers.get("x-gatehouse-key-id") !== key.id) {
    throw new Error(`authz ${when} the run: expected 200 with x-gatehouse-key-id ${key.id}, got ${res.status}`);
  }
  const denied = await fetch(`${url}/authz`, {
    headers: { authorization: `Bearer ${key.key}`, "x-required-scopes": "delete:user" },
  });
  await denied.arrayBuffer();
  if (denied.status !== 403) throw new Error(`authz ${when} the run: a missing scope gave ${denied.status}, not 403`);
}

function fmt(n: number, digits = 0) {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function table(rows: Row[]) {
  const head = [
    "target",
    "req/s",
    "± stddev",
    "p50 ms",
    "p99 ms",
    "requests",
    "server CPU",
    "req/CPU-s",
    "core0/core1 busy",
  ];
  const pct = (x: number) => `${fmt(x * 100)}%`;
  const body = rows.map(({ name, result: r, cpu, cores }) => [
    name,
    fmt(r.requests.average),
    fmt(r.requests.stddev),
    fmt(r.latency.p50, 2),
    fmt(r.latency.p99, 2),
    fmt(r.requests.total),
    cpu === null ? "n/a" : `${fmt(cpu * 100)}%`,
    cpu ? fmt(r.requests.average / cpu) : "n/a",
    cores ? `${pct(cores[0])} / ${pct(cores[1])}` : "n/a",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  say(line(head));
  say(widths.map((w) => "─".repeat(w)).join("  "));
  for (const b of body) say(line(b));
}

// ── main ───────────────────────────────────────────────────────────────────
async function main() {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-bench-"));
  cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

  const db = await prepareDatabase(dataDir);

  if (canPin) pinSelf(1);
  else say("bench: WARNING: taskset missing or fewer than 2 cores — processes are not pinned; figures are noisier");

  const barePort = await freePort();
  const [bareCmd, bareArgs] = pinned(0, process.execPath, [path.join(ROOT, "bench/bare-server.mjs")]);
  const bare = start("bare", bareCmd, bareArgs, { ...process.env, PORT: String(barePort), HOSTNAME: "127.0.0.1" });

  const gwPort = await freePort();
  const nodeArgs = ["--import", "tsx"];
  if (CPU_PROF) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${path.resolve(CPU_PROF)}`);
  const [gwCmd, gwArgs] = pinned(0, process.execPath, [...nodeArgs, path.join(ROOT, "server.ts"), "--gateway"]);
  const gwEnv: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    GATEHOUSE_SECRET: "bench-secret-bench-secret-bench-secret-bench",
    GATEHOUSE_DATA_DIR: dataDir,
    PORT: String(gwPort),
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...db.gatewayEnv,
  };
  delete gwEnv.GATEHOUSE_ADMIN_EMAIL;
  delete gwEnv.GATEHOUSE_ADMIN_PASSWORD;
  const gateway = start("gateway", gwCmd, gwArgs, gwEnv);

  const bareUrl = `http://127.0.0.1:${barePort}`;
  const gwUrl = `http://127.0.0.1:${gwPort}`;
  await waitFor(`${bareUrl}/`, bare, "bare server");
  await waitFor(`${gwUrl}/readyz`, gateway, "gateway", 180_000);

  const verifyBody = JSON.stringify({ key: db.key.key, scopes: [SCOPE] });
  const json = { "content-type": "application/json" };
  const authzHeaders = { authorization: `Bearer ${db.key.key}`, "x-required-scopes": SCOPE };
  // The bare server gets the same requests as the gateway (it ignores them): a
  // POST with a JSON body costs node:http noticeably more than a GET, so each
  // endpoint is compared with the bare server answering its own request shape.
  const targets = {
    barePost: {
      name: "bare node:http, POST",
      url: `${bareUrl}/v1/verify`,
      method: "POST",
      headers: json,
      body: verifyBody,
      server: bare,
    },
    bareGet: {
      name: "bare node:http, GET",
      url: `${bareUrl}/authz`,
      method: "GET",
      headers: authzHeaders,
      server: bare,
    },
    verify: {
      name: "POST /v1/verify",
      url: `${gwUrl}/v1/verify`,
      method: "POST",
      headers: json,
      body: verifyBody,
      server: gateway,
    },
    authz: { name: "GET /authz", url: `${gwUrl}/authz`, method: "GET", headers: authzHeaders, server: gateway },
  } satisfies Record<string, Target>;

  say(
    `bench: node ${process.version}, ${db.mode === "server" ? "PostgreSQL server" : "embedded PGlite"}, ` +
      `${CONNECTIONS} connections, pipelining ${PIPELINING}, ${WARMUP}s warm-up + ${SECONDS}s per target, ` +
      (canPin ? "servers on core 0, autocannon on core 1" : "unpinned"),
  );

  await checkVerify(gwUrl, db.key, "before");
  await checkAuthz(gwUrl, db.key, "before");

  // Bare, verify, authz, bare again: drift during the run shows up as a gap
  // between the two bare runs, and the baseline is their mean.
  const order = [targets.barePost, targets.bareGet, targets.verify, targets.authz, targets.barePost, targets.bareGet];
  const rows: Row[] = [];
  for (const [i, t] of order.entries()) {
    const name = t.server === bare ? `${t.name} (${i < 2 ? 1 : 2})` : t.name;
    process.stdout.write(`bench: ${name} … `);
    const row = await measure(t);
    say(`${fmt(row.result.requests.average)} req/s`);
    rows.push({ ...row, name });
  }

  await checkVerify(gwUrl, db.key, "after");
  await checkAuthz(gwUrl, db.key, "after");

  const [post1, get1, verify, authz, post2, get2] = rows;
  const mean = (a: number, b: number) => (a + b) / 2;
  const rps = (r: Row) => r.result.requests.average;

  say("");
  table(rows);
  say("");
  say(`verify/bare throughput ratio: ${(rps(verify) / mean(rps(post1), rps(post2))).toFixed(2)}`);
  say(`authz/bare throughput ratio: ${(rps(authz) / mean(rps(get1), rps(get2))).toFixed(2)}`);

  // Secondary figures: the same ratios per server CPU-second (steadier on a busy
  // machine), and a note when a server was not the bottleneck of its run.
  const perCpu = (r: Row) => (r.cpu ? rps(r) / r.cpu : null);
  const ratio = (r: Row, b1: Row, b2: Row) => {
    const [x, y, z] = [perCpu(r), perCpu(b1), perCpu(b2)];
    return x && y && z ? (x / mean(y, z)).toFixed(2) : "n/a";
  };
  say(`(per server CPU-second: verify/bare ${ratio(verify, post1, post2)}, authz/bare ${ratio(authz, get1, get2)})`);
  const underused = rows.filter((r) => r.cpu !== null && r.cpu < 0.9);
  if (underused.length) {
    say(
      `bench: note: ${underused.map((r) => `${r.name} used ${fmt(r.cpu! * 100)}%`).join(", ")} of its core — ` +
        "the load generator (core 1 near 100%) or other processes on core 0 (core 0 busier than the server), " +
        "not that server, limited those runs.",
    );
  }
}

let exitCode = 0;
process.on("SIGINT", () => {
  void cleanup().then(() => process.exit(130));
});
try {
  await main();
  if (failed) exitCode = 1;
} catch (err) {
  console.error(`\nbench: ${err instanceof Error ? err.message : String(err)}`);
  exitCode = 1;
} finally {
  await cleanup();
}
if (CPU_PROF) say(`bench: gateway CPU profile written to ${path.resolve(CPU_PROF)}`);
process.exit(exitCode);
