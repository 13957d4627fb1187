// Shared by the benchmarks (bench/verify.ts, bench/token.ts): CPU pinning, child
// processes (start, wait, stop), free ports, the throwaway database, cleanup,
// server CPU accounting, the load generator (wrk or autocannon) and the table.
//
// Common env: BENCH_SECONDS (measured seconds per target, default 8),
// BENCH_WARMUP_SECONDS (default 2), BENCH_CONNECTIONS (default 50),
// BENCH_LOADGEN (wrk | autocannon; default wrk when on PATH), BENCH_PIPELINING
// (autocannon only, default 1), BENCH_CPU_PROF=<dir> (V8 CPU profile of the
// measured Gatehouse process), TEST_DATABASE_URL, BENCH_DB=embedded.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { principalForUser } from "../lib/auth/resolve-principal";
import type { Principal } from "../lib/auth/principal";
import { createPrisma, setPrisma } from "../lib/db";
import { startEmbeddedPostgres } from "../lib/db/embedded";
import { migrateDeploy } from "../lib/db/migrate";
import { createClient } from "../lib/oauth-clients/create-client";
import { seedScopes } from "../lib/scopes/seed-scopes";
import { ensureUser } from "../lib/users/sign-up";
import { createTestDb, type TestDb } from "../tests/support/test-db";

export const ROOT = path.resolve(import.meta.dirname, "..");
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
export const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
export const PIPELINING = Number(process.env.BENCH_PIPELINING ?? 1);
export const CPU_PROF = process.env.BENCH_CPU_PROF;
/** Every Gatehouse process of a run shares it (sessions, sealed signing keys). */
export const BENCH_SECRET = "bench-secret-bench-secret-bench-secret-bench";
export const SCOPE = "read:profile";
const LOCAL_PG = "postgresql://postgres@127.0.0.1:5432/postgres";

export function say(msg: string) {
  console.log(msg);
}

/** The run's first line: node, database, load generator, timing, and where the processes run. */
export function sayRun(db: BenchDb, placement: string) {
  say(
    `bench: node ${process.version}, ${db.mode === "server" ? "PostgreSQL server" : "embedded PGlite"}, ` +
      `${loadgenLabel()}, ${WARMUP}s warm-up + ${SECONDS}s per target, ${placement}`,
  );
}

export function fmt(n: number, digits = 0) {
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

// ── run state and cleanup ──────────────────────────────────────────────────
const children: ChildProcess[] = [];
const stopped = new WeakSet<ChildProcess>();
const cleanups: (() => Promise<void>)[] = [];
let stopping = false;
let failed = false;

/** An error that should fail the run (the run goes on until the next check). */
export function fail(msg: string) {
  console.error(`bench: ${msg}`);
  failed = true;
}

export function onCleanup(fn: () => Promise<void>) {
  cleanups.push(fn);
}

async function cleanup() {
  stopping = true;
  for (const child of children) await stopChild(child).catch(() => undefined);
  for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => console.error("bench: cleanup:", e));
}

/** Runs a benchmark: cleanup on every exit path, exit code 1 on any error. */
export async function runBench(main: () => Promise<void>, after?: () => void): Promise<never> {
  let exitCode = 0;
  process.on("SIGINT", () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    loadgen(); // a bad BENCH_LOADGEN fails before any work
    await main();
    if (failed) exitCode = 1;
  } catch (err) {
    console.error(`\nbench: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
  } finally {
    await cleanup();
  }
  after?.();
  process.exit(exitCode);
}

/** A temporary directory removed at the end of the run. */
export async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-bench-"));
  onCleanup(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

// ── CPU pinning ────────────────────────────────────────────────────────────
export const canPin =
  spawnSync("sh", ["-c", "command -v taskset"], { stdio: "ignore" }).status === 0 && os.availableParallelism() >= 2;

/** Pins this process (the load generator's home, and autocannon itself) to a core. */
export function pinSelf(core: number) {
  if (!canPin) {
    say("bench: WARNING: taskset missing or fewer than 2 cores — processes are not pinned; figures are noisier");
    return;
  }
  // -a: every thread of this process (and threads created later inherit it).
  const r = spawnSync("taskset", ["-a", "-c", "-p", String(core), String(process.pid)], { stdio: "ignore" });
  if (r.status !== 0) throw new Error(`taskset failed to pin the load generator to core ${core}`);
}

export function pinned(core: number, cmd: string, args: string[]): [string, string[]] {
  return canPin ? ["taskset", ["-c", String(core), cmd, ...args]] : [cmd, args];
}

// ── processes ──────────────────────────────────────────────────────────────
export { freePort } from "../lib/free-port";

export function start(name: string, cmd: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(cmd, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
  child.stdout?.on("data", (c: Buffer) => {
    for (const line of c.toString().split("\n"))
      if (line.trim() && !line.startsWith("listening ")) say(`[${name}] ${line}`);
  });
  child.once("exit", (code, signal) => {
    if (!stopping && !stopped.has(child)) fail(`${name} exited unexpectedly (${signal ?? code})`);
  });
  children.push(child);
  return child;
}

/** Polls `url` (with `headers`, if given) until it answers 2xx, or `child` exits, or `timeoutMs` passes. */
export async function waitFor(
  url: string,
  child: ChildProcess,
  name: string,
  timeoutMs = 120_000,
  headers?: Record<string, string>,
) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${name} exited before it was ready`);
    try {
      if ((await fetch(url, { headers })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} was not ready at ${url} within ${timeoutMs} ms`);
}

/** SIGTERM, then SIGKILL after 10 s; an exit after this is not an error. */
export async function stopChild(child: ChildProcess) {
  stopped.add(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

/**
 * BENCH_NODE_ARGS="--perf-basic-prof …": extra node flags for every measured
 * server, Gatehouse and bare alike, so two profiles compare like with like.
 */
function diagnosisArgs(): string[] {
  return (process.env.BENCH_NODE_ARGS ?? "").split(/\s+/).filter(Boolean);
}

/** The bare node:http ceiling (bench/bare-server.mjs); `readBody`: it also reads and JSON.parses POST bodies. */
export function startBare(
  name: string,
  port: number,
  opts: { readBody?: boolean; batchWrites?: boolean } = {},
): ChildProcess {
  const [cmd, args] = pinned(0, process.execPath, [...diagnosisArgs(), path.join(ROOT, "bench/bare-server.mjs")]);
  return start(name, cmd, args, {
    ...process.env,
    PORT: String(port),
    HOSTNAME: "127.0.0.1",
    BARE_READ_BODY: opts.readBody ? "1" : "",
    BARE_BATCH_WRITES: opts.batchWrites ? "1" : "",
  });
}

/**
 * The full server (portal included) needs a Next.js build: made once when
 * .next/BUILD_ID is missing, never redone (an e2e run may be using it).
 */
export function ensureNextBuild() {
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID"))) return;
  say("bench: no Next.js build (.next/BUILD_ID): running `next build` once (a minute or two) …");
  const r = spawnSync(process.execPath, [path.join(ROOT, "node_modules/next/dist/bin/next"), "build"], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: "inherit",
  });
  if (r.status !== 0) throw new Error("next build failed");
}

/**
 * `node --import tsx server.ts [args]`, NODE_ENV=production, on the run's
 * database. `profile`: write a V8 CPU profile to BENCH_CPU_PROF (when set).
 * `core`: pin to that core (default: not pinned).
 */
export function startGatehouse(opts: {
  name: string;
  port: number;
  args?: string[];
  db: BenchDb;
  env?: Record<string, string>;
  profile?: boolean;
  core?: number;
}): ChildProcess {
  if (!opts.args?.includes("--gateway")) ensureNextBuild();
  const nodeArgs = ["--import", "tsx"];
  if (opts.profile && CPU_PROF) nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${path.resolve(CPU_PROF)}`);
  nodeArgs.push(...diagnosisArgs());
  const full = [...nodeArgs, path.join(ROOT, "server.ts"), ...(opts.args ?? [])];
  const [cmd, args] = opts.core === undefined ? [process.execPath, full] : pinned(opts.core, process.execPath, full);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: "production",
    GATEHOUSE_SECRET: BENCH_SECRET,
    PORT: String(opts.port),
    HOSTNAME: "127.0.0.1",
    LOG_LEVEL: "warn",
    ...opts.db.serverEnv,
    ...opts.env,
  };
  delete env.GATEHOUSE_ADMIN_EMAIL;
  delete env.GATEHOUSE_ADMIN_PASSWORD;
  return start(opts.name, cmd, args, env);
}

// ── database ───────────────────────────────────────────────────────────────
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

/** serverEnv: what a Gatehouse process needs to use the run's database. */
export type BenchDb = { mode: "server" | "embedded"; serverEnv: Record<string, string> };

/**
 * A throwaway database — on TEST_DATABASE_URL, else the local PostgreSQL when it
 * answers, else the embedded PGlite in `dataDir` (BENCH_DB=embedded forces it) —
 * migrated, with the scope catalog, then `seed` run against it through lib/
 * functions. A server database is dropped at the end; PGlite serves one
 * connection, so it is stopped after seeding and each Gatehouse process then
 * owns it in turn.
 */
export async function prepareDatabase<T>(dataDir: string, seed: () => Promise<T>): Promise<BenchDb & { seeded: T }> {
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
    onCleanup(db.drop);
    const seeded = await withPrisma(db.url, 2, seed);
    return { mode, seeded, serverEnv: { DATABASE_URL: db.url, GATEHOUSE_DATA_DIR: dataDir } };
  }
  const embedded = await startEmbeddedPostgres(dataDir);
  try {
    await migrateDeploy(embedded.url);
    const seeded = await withPrisma(embedded.url, 1, seed);
    return { mode, seeded, serverEnv: { DATABASE_URL: "", GATEHOUSE_DATA_DIR: dataDir } };
  } finally {
    await embedded.stop();
  }
}

async function withPrisma<T>(url: string, poolMax: number, fn: () => Promise<T>): Promise<T> {
  process.env.DATABASE_URL = url;
  const prisma = createPrisma(url, poolMax);
  setPrisma(prisma);
  try {
    await seedScopes(prisma);
    return await fn();
  } finally {
    await prisma.$disconnect();
    setPrisma(undefined);
  }
}

export const BENCH_META = { ip: "127.0.0.1", userAgent: "bench" };

/** A new user (with their personal organization) and its principal; `admin` makes a platform admin. */
export async function benchPrincipal(role?: "admin"): Promise<Principal> {
  const { userId } = await ensureUser({
    email: `bench-${role ? `${role}-` : ""}${Date.now().toString(36)}@example.test`,
    password: "bench password 123",
    role,
  });
  const principal = await principalForUser(userId);
  if (!principal) throw new Error(`bench: no principal for the new ${role ?? "user"}`);
  return principal;
}

export type BenchClient = { clientId: string; clientSecret: string };

/** A confidential client_credentials client allowed SCOPE (client_secret_basic). */
export async function benchClient(principal: Principal): Promise<BenchClient> {
  const created = await createClient(
    principal,
    {
      name: "bench",
      grantTypes: ["client_credentials"],
      scopes: [SCOPE],
      public: false,
      tokenEndpointAuthMethod: "client_secret_basic",
    },
    BENCH_META,
  );
  if (!created.clientSecret) throw new Error("bench: the confidential client has no secret");
  return { clientId: created.clientId, clientSecret: created.clientSecret };
}

// ── OAuth token requests ───────────────────────────────────────────────────
export const TOKEN_BODY = `grant_type=client_credentials&scope=${encodeURIComponent(SCOPE)}`;

/** RFC 6749 §2.3.1: client id and secret form-urlencoded, then Basic. */
export function basicAuth(c: BenchClient): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, "+");
  return `Basic ${Buffer.from(`${enc(c.clientId)}:${enc(c.clientSecret)}`).toString("base64")}`;
}

export const TOKEN_HEADERS = (c: BenchClient) => ({
  authorization: basicAuth(c),
  "content-type": "application/x-www-form-urlencoded",
});

/** One client_credentials token from `${baseUrl}/oauth/token`; throws unless 200 with an access_token. */
export async function requestToken(baseUrl: string, client: BenchClient, when: string): Promise<string> {
  const res = await fetch(`${baseUrl}/oauth/token`, {
    method: "POST",
    headers: TOKEN_HEADERS(client),
    body: TOKEN_BODY,
  });
  const text = await res.text();
  let body: { access_token?: unknown; token_type?: unknown } = {};
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    // reported below
  }
  if (res.status !== 200 || typeof body.access_token !== "string" || !body.access_token) {
    throw new Error(
      `token request ${when}: expected 200 with an access_token, got ${res.status} ${text.slice(0, 300)}`,
    );
  }
  return body.access_token;
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

// ── load generator ─────────────────────────────────────────────────────────
export type LoadSpec = { url: string; method: "GET" | "POST"; headers: Record<string, string>; body?: string };

/** One measured run, whichever tool made it. Latencies in ms. */
export type LoadResult = {
  rps: number;
  /** Spread of the req/s samples: autocannon's are per second, wrk's per 100 ms (so larger). */
  stddev: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
};

const onPath = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

function chooseLoadgen(): "wrk" | "autocannon" {
  const want = process.env.BENCH_LOADGEN;
  if (want === "wrk") {
    if (!onPath("wrk")) throw new Error("BENCH_LOADGEN=wrk but wrk is not on PATH (apt-get install -y wrk)");
    return "wrk";
  }
  if (want === "autocannon") return "autocannon";
  if (want) throw new Error(`BENCH_LOADGEN must be wrk or autocannon, not ${JSON.stringify(want)}`);
  return onPath("wrk") ? "wrk" : "autocannon";
}

let loadgenChoice: "wrk" | "autocannon" | undefined;

/** The load generator of this run (BENCH_LOADGEN; default wrk when on PATH, else autocannon). */
export function loadgen(): "wrk" | "autocannon" {
  return (loadgenChoice ??= chooseLoadgen());
}

/** How the load is made, for the run's header line. */
export function loadgenLabel(): string {
  const where = canPin ? " on core 1" : "";
  return loadgen() === "wrk"
    ? `wrk -t1 -c${CONNECTIONS}${where}`
    : `autocannon (in this process${where}), ${CONNECTIONS} connections, pipelining ${PIPELINING}`;
}

export async function load(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  return loadgen() === "wrk" ? loadWrk(spec, seconds) : loadAutocannon(spec, seconds);
}

async function loadAutocannon(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  const { default: autocannon } = await import("autocannon");
  const r = await autocannon({
    url: spec.url,
    method: spec.method,
    headers: spec.headers,
    body: spec.body,
    connections: CONNECTIONS,
    pipelining: PIPELINING,
    duration: seconds,
  });
  return {
    rps: r.requests.average,
    stddev: r.requests.stddev,
    p50: r.latency.p50,
    p99: r.latency.p99,
    requests: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

/** A Lua string literal for any bytes: every byte outside [A-Za-z0-9 ] as a 3-digit decimal escape. */
function luaString(s: string): string {
  let out = '"';
  for (const b of Buffer.from(s, "utf8")) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9 ]/.test(c) ? c : `\\${String(b).padStart(3, "0")}`;
  }
  return `${out}"`;
}

const WRK_MARK = "BENCH_RESULT ";

/**
 * The request (method, headers, body) and a response() hook counting every
 * status outside 2xx per thread; done() sums them and prints one line with
 * wrk's counts (requests, socket errors) for the bench to read.
 */
function wrkScript(spec: LoadSpec): string {
  const lines = [`wrk.method = ${luaString(spec.method)}`];
  if (spec.body !== undefined) lines.push(`wrk.body = ${luaString(spec.body)}`);
  for (const [k, v] of Object.entries(spec.headers)) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  lines.push(
    "local threads = {}",
    "function setup(thread) table.insert(threads, thread) end",
    "non2xx = 0",
    "function response(status, headers, body)",
    "  if status < 200 or status > 299 then non2xx = non2xx + 1 end",
    "end",
    "function done(summary, latency, requests)",
    "  local bad = 0",
    '  for _, t in ipairs(threads) do bad = bad + t:get("non2xx") end',
    "  local e = summary.errors",
    `  io.write(string.format("${WRK_MARK}%d %d %d %d %d %d %d %.1f\\n", summary.requests, summary.duration,` +
      " bad, e.connect, e.read + e.write, e.timeout, e.status, requests.stdev))",
    "end",
  );
  return lines.join("\n") + "\n";
}

let wrkDir: Promise<string> | undefined;

/** wrk's duration with unit (`812.00us`, `3.45ms`, `1.02s`, `2.00m`) in ms. */
function wrkMs(v: string, unit: string): number {
  const n = Number(v);
  return unit === "us" ? n / 1000 : unit === "ms" ? n : unit === "s" ? n * 1000 : unit === "m" ? n * 60_000 : NaN;
}

async function loadWrk(spec: LoadSpec, seconds: number): Promise<LoadResult> {
  wrkDir ??= tempDir();
  const script = path.join(await wrkDir, `load-${Date.now()}-${Math.random().toString(36).slice(2)}.lua`);
  await writeFile(script, wrkScript(spec));
  const wrkArgs = ["-t1", `-c${CONNECTIONS}`, `-d${seconds}s`, "--latency", "-s", script, spec.url];
  const [cmd, args] = pinned(1, "wrk", wrkArgs);
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", resolve);
  });
  await rm(script, { force: true });
  if (code !== 0) throw new Error(`wrk exited with ${code}: ${(err || out).trim()}`);

  // The figures wrk prints: `Requests/sec: 12345.67` and the `--latency` distribution.
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(out);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\b/m.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\b/m.exec(out);
  const mark = out.split("\n").find((l) => l.startsWith(WRK_MARK));
  if (!rps || !p50 || !p99 || !mark) throw new Error(`could not read wrk's output:\n${out}${err}`);
  const [requests, , non2xx, connectErrors, ioErrors, timeouts, status4xx5xx, stdev] = mark
    .slice(WRK_MARK.length)
    .trim()
    .split(" ")
    .map(Number);
  // wrk's own count (status > 399) must agree with the hook's: both are checked.
  const non2xxLine = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const wrkNon2xx = non2xxLine ? Number(non2xxLine[1]) : 0;
  return {
    rps: Number(rps[1]),
    stddev: stdev,
    p50: wrkMs(p50[1], p50[2]),
    p99: wrkMs(p99[1], p99[2]),
    requests,
    non2xx: Math.max(non2xx, wrkNon2xx, status4xx5xx),
    errors: connectErrors + ioErrors,
    timeouts,
  };
}

// ── measuring ──────────────────────────────────────────────────────────────
export type Target = LoadSpec & { name: string; server: ChildProcess };

/** cpu: the server's CPU use (1 = one full core); cores: how busy cores 0 and 1 were (everything on them). */
export type Row = { name: string; result: LoadResult; cpu: number | null; cores: number[] | null };

/** Warm-up, then a measured run; fails the run on any non-2xx, socket error or timeout. */
export async function measure(t: Target, name = t.name): Promise<Row> {
  process.stdout.write(`bench: ${name} … `);
  if (WARMUP > 0) await load(t, WARMUP);
  // A pinned server is `taskset`, which exec()s node: the same pid.
  const pid = t.server.pid;
  const cpu0 = cpuSeconds(pid);
  const cores0 = coreTimes();
  const started = process.hrtime.bigint();
  const result = await load(t, SECONDS);
  const wall = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu1 = cpuSeconds(pid);
  const cores1 = coreTimes();
  const cores =
    cores0 && cores1 && cores0.length >= 2
      ? [0, 1].map((i) => (cores1[i].busy - cores0[i].busy) / Math.max(1, cores1[i].total - cores0[i].total))
      : null;
  const cpu = cpu0 !== null && cpu1 !== null ? (cpu1 - cpu0) / wall : null;
  say(`${fmt(result.rps)} req/s`);
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) fail(`${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`);
  if (failed) throw new Error(`${name} failed (see above)`);
  return { name, result, cpu, cores };
}

/**
 * BENCH_ROUNDS (default 3): how many rounds measurePaired() runs, each
 * baseline, target, baseline. The machine's speed drifts by tens of percent
 * within a minute; each round puts both sides of its ratio in the same minute,
 * and the median of the rounds' ratios drops an outlier.
 */
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/** One round: the baseline, the target, the baseline again (the same processes). */
export type Round = { before: Row; row: Row; after: Row; ratio: number; cpuRatio: number | null };

/**
 * A target measured in rounds against its baseline: the median round's ratio
 * is the figure. `discarded`: rounds measured again because their baseline
 * moved too much (MAX_DRIFT); they stay in the table, marked.
 */
export type Paired = { rounds: Round[]; discarded: Round[]; ran: Row[] };

/**
 * BENCH_MAX_DRIFT (default 0.2): a round whose two baseline runs differ by
 * more than this share of their mean measured the machine's drift more than
 * the target (this machine's speed doubles or halves within seconds), so it
 * is measured again, on the same processes, at most BENCH_RETRIES (default 2)
 * more times; after that the last attempt counts as it is. The rule looks at
 * the baseline alone, so it cannot favour the target. 0 keeps every round.
 */
export const MAX_DRIFT = Number(process.env.BENCH_MAX_DRIFT ?? 0.2);
export const RETRIES = Math.max(0, Number(process.env.BENCH_RETRIES ?? 2));

/** How far a round's two baseline runs are apart, as a share of their mean. */
export const baselineDrift = (r: Pick<Round, "before" | "after">) =>
  Math.abs(rps(r.before) - rps(r.after)) / mean(rps(r.before), rps(r.after));

/**
 * Rounds of baseline, target, baseline; each round's ratio is the target's
 * req/s over the mean of its two baseline runs. `target`/`baseline` may depend
 * on the round: bench:verify gives each round its own server processes,
 * because gateway processes alternated in the same rounds differed by up to
 * ~20 % here in ways their code did not explain (61–78k req/s), so a single
 * process per row would make each figure partly that process's luck.
 */
export async function measurePaired(
  target: Target | ((round: number) => Target),
  baseline: Target | ((round: number) => Target),
  rounds = ROUNDS,
): Promise<Paired> {
  const pick = (t: Target | ((round: number) => Target), i: number) => (typeof t === "function" ? t(i) : t);
  const out: Paired = { rounds: [], discarded: [], ran: [] };
  for (let i = 0; i < rounds; i++) {
    const t = pick(target, i);
    const b = pick(baseline, i);
    for (let attempt = 0; ; attempt++) {
      const before = await measure(b, `${b.name} [for ${t.name}]`);
      const row = await measure(t, rounds > 1 ? `${t.name} #${i + 1}` : t.name);
      const after = await measure(b, `${b.name} [for ${t.name}]`);
      const cpu = [row, before, after].map(perCpu);
      const round: Round = {
        before,
        row,
        after,
        ratio: rps(row) / mean(rps(before), rps(after)),
        cpuRatio: cpu.every((v) => v) ? cpu[0]! / mean(cpu[1]!, cpu[2]!) : null,
      };
      const drift = baselineDrift(round);
      if (MAX_DRIFT <= 0 || drift <= MAX_DRIFT || attempt >= RETRIES) {
        out.rounds.push(round);
        out.ran.push(before, row, after);
        if (MAX_DRIFT > 0 && drift > MAX_DRIFT)
          say(`bench: ${row.name}: the baseline still moved ${fmt(drift * 100)} % — kept (BENCH_RETRIES ${RETRIES})`);
        break;
      }
      const mark = (r: Row): Row => ({ ...r, name: `${r.name} — discarded` });
      out.discarded.push(round);
      out.ran.push(mark(before), mark(row), mark(after));
      say(
        `bench: ${row.name}: discarded (ratio ${round.ratio.toFixed(2)}), its baseline moved ${fmt(drift * 100)} % ` +
          `(> BENCH_MAX_DRIFT ${MAX_DRIFT}); measuring it again`,
      );
    }
  }
  return out;
}

/**
 * BENCH_SHARED_CORE=1 (bench:verify): the target and its baseline loaded at
 * the same time, both servers on core 0 and one load generator each on core 1.
 * The scheduler splits core 0 between the two servers, so the ratio of their
 * throughputs is the ratio of their costs per call, and the machine's drift
 * (2× within minutes here) hits both sides of it alike — a diagnostic that
 * needs far fewer rounds than the alternating runs above to be steady
 * (bench/README.md, session 7). Returns each round's target/baseline ratio.
 */
export async function measureSharedCore(
  target: (round: number) => Target,
  baseline: (round: number) => Target,
  rounds = ROUNDS,
): Promise<number[]> {
  const ratios: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t = target(i);
    const b = baseline(i);
    process.stdout.write(`bench: ${t.name} #${i + 1} and ${b.name}, at once … `);
    if (WARMUP > 0) await Promise.all([load(t, WARMUP), load(b, WARMUP)]);
    const [rt, rb] = await Promise.all([load(t, SECONDS), load(b, SECONDS)]);
    say(`${fmt(rt.rps)} and ${fmt(rb.rps)} req/s`);
    for (const [name, r] of [
      [t.name, rt],
      [b.name, rb],
    ] as const) {
      if (r.non2xx + r.errors + r.timeouts > 0)
        fail(`${name}: ${r.non2xx} non-2xx, ${r.errors} errors, ${r.timeouts} timeouts`);
    }
    if (failed) throw new Error(`${t.name} failed (see above)`);
    ratios.push(rt.rps / rb.rps);
  }
  return ratios;
}

/** A paired measurement's runs in the order they ran. */
export function pairedRows(p: Paired): Row[] {
  return p.ran;
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** The median of the rounds' ratios. */
export function pairedMedian(p: Paired): number {
  return median(p.rounds.map((r) => r.ratio));
}

/** `0.87 (rounds 0.84 0.87 0.91)`: the median ratio, then each round's. */
export function pairedRatio(p: Paired): string {
  const rounds = p.rounds.length > 1 ? `rounds ${p.rounds.map((r) => r.ratio.toFixed(2)).join(" ")}` : "";
  const gone = p.discarded.length
    ? `${p.discarded.length} discarded for drift: ${p.discarded.map((r) => r.ratio.toFixed(2)).join(" ")}`
    : "";
  const notes = [rounds, gone].filter(Boolean).join("; ");
  return `${pairedMedian(p).toFixed(2)}${notes ? ` (${notes})` : ""}`;
}

/** The same per server CPU-second ("n/a" without /proc). */
export function pairedCpuRatio(p: Paired): string {
  const known = p.rounds.map((r) => r.cpuRatio).filter((r): r is number => r !== null);
  return known.length ? median(known).toFixed(2) : "n/a";
}

export const rps = (r: Row) => r.result.rps;
export const perCpu = (r: Row) => (r.cpu ? r.result.rps / r.cpu : null);
export const mean = (...xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** x / mean(baselines), two decimals. */
export function ratio(x: Row, ...baselines: Row[]): string {
  return (rps(x) / mean(...baselines.map(rps))).toFixed(2);
}

/** The same per server CPU-second ("n/a" without /proc). */
export function cpuRatio(x: Row, ...baselines: Row[]): string {
  const all = [x, ...baselines].map(perCpu);
  if (all.some((v) => !v)) return "n/a";
  const [head, ...rest] = all as number[];
  return (head / mean(...rest)).toFixed(2);
}

export function table(rows: Row[]) {
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
    fmt(r.rps),
    fmt(r.stddev),
    fmt(r.p50, 2),
    fmt(r.p99, 2),
    fmt(r.requests),
    cpu === null ? "n/a" : `${fmt(cpu * 100)}%`,
    cpu ? fmt(r.rps / cpu) : "n/a",
    cores ? `${pct(cores[0])} / ${pct(cores[1])}` : "n/a",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  say(line(head));
  say(widths.map((w) => "─".repeat(w)).join("  "));
  for (const b of body) say(line(b));
}

/** A note when a server was not the bottleneck of its run (its ratio then means little). */
export function noteUnderused(rows: Row[]) {
  const underused = rows.filter((r) => r.cpu !== null && r.cpu < 0.9);
  if (!underused.length) return;
  say(
    `bench: note: ${underused.map((r) => `${r.name} used ${fmt(r.cpu! * 100)}%`).join(", ")} of its core — ` +
      "the load generator (core 1 near 100%) or other processes on core 0 (core 0 busier than the server), " +
      "not that server, limited those runs.",
  );
}
