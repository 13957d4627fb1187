// `npm run bench:verify`: throughput of the data plane's POST /v1/verify and
// /authz — with an API key, and with a cached OAuth JWT access token — against
// a bare node:http server returning 200, in one run. Each server runs as its
// own process pinned to core 0; the load generator (wrk, else autocannon) is
// pinned to core 1. Each Gatehouse row runs BENCH_ROUNDS rounds of bare,
// row, bare — the bare server answering the same request shape (POST with the
// verify body; GET with the authz headers; the JWT rows' own, JWT-sized
// requests for them) — each round on its own set of
// freshly started processes; the row's ratio is the median of the rounds'.
//
// The JWT comes from the real token endpoint: before the gateway starts, the
// full server (`server.ts`, OAuth included) runs on the same database with the
// same secret and issuer, issues a client_credentials token, and is stopped.
//
// Env: see bench/lib.ts and bench/README.md. Exits non-zero on errors
// (non-2xx or wrong answers, crashes), never on ratios.
import type { ChildProcess } from "node:child_process";
import path from "node:path";
import { decodeJwt } from "jose";
import { generateSecret, PREFIXES } from "../lib/credentials/format";
import { prisma } from "../lib/db";
import { createKey } from "../lib/keys/create-key";
import {
  BENCH_META,
  benchClient,
  benchPrincipal,
  ensureNextBuild,
  CPU_PROF,
  freePort,
  measurePaired,
  measureSharedCore,
  median,
  noteUnderused,
  pairedCpuRatio,
  pairedRatio,
  pairedRows,
  pinSelf,
  prepareDatabase,
  requestToken,
  ROUNDS,
  runBench,
  say,
  sayRun,
  SCOPE,
  startBare,
  startGatehouse,
  stopChild,
  table,
  tempDir,
  waitFor,
  type Paired,
  type Target,
} from "./lib";

type Key = { id: string; key: string };

/** POST /v1/verify with a JSON body. */
function postVerify(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/verify`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function checkVerify(url: string, key: Key, when: string) {
  const res = await postVerify(url, { key: key.key, scopes: [SCOPE] });
  const body = (await res.json()) as { valid?: boolean; keyId?: string };
  if (res.status !== 200 || body.valid !== true || body.keyId !== key.id) {
    throw new Error(
      `verify ${when} the run: expected {"valid":true,"keyId":"${key.id}"}, got ${res.status} ${JSON.stringify(body)}`,
    );
  }
  const unknown = await postVerify(url, { key: generateSecret(PREFIXES.apiKeyLive) });
  const ub = (await unknown.json()) as { valid?: boolean; code?: string };
  if (ub.valid !== false)
    throw new Error(`verify ${when} the run: an unknown key was not rejected: ${JSON.stringify(ub)}`);
}

async function checkAuthz(url: string, key: Key, when: string) {
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

/**
 * The JWT verifies (valid, our client, its scope) on both endpoints; a scope it
 * lacks is refused. Once expired (a long run on the embedded database, where no
 * newer token can be had) it must be refused as EXPIRED instead.
 */
async function checkJwt(url: string, jwt: string, clientId: string, when: string) {
  const { exp } = decodeJwt(jwt);
  if (exp !== undefined && Date.now() >= exp * 1000) return checkExpiredJwt(url, jwt, when);
  const res = await postVerify(url, { token: jwt, scopes: [SCOPE] });
  const body = (await res.json()) as { valid?: boolean; tokenType?: string; clientId?: string };
  if (
    res.status !== 200 ||
    body.valid !== true ||
    body.tokenType !== "oauth_access_token" ||
    body.clientId !== clientId
  ) {
    throw new Error(
      `verify (JWT) ${when} the run: expected {"valid":true,"tokenType":"oauth_access_token","clientId":"${clientId}"}, ` +
        `got ${res.status} ${JSON.stringify(body)}`,
    );
  }
  const authz = await fetch(`${url}/authz`, {
    headers: { authorization: `Bearer ${jwt}`, "x-required-scopes": SCOPE },
  });
  await authz.arrayBuffer();
  if (authz.status !== 200 || authz.headers.get("x-gatehouse-client-id") !== clientId) {
    throw new Error(
      `authz (JWT) ${when} the run: expected 200 with x-gatehouse-client-id ${clientId}, got ${authz.status}`,
    );
  }
  const denied = await fetch(`${url}/authz`, {
    headers: { authorization: `Bearer ${jwt}`, "x-required-scopes": "delete:user" },
  });
  await denied.arrayBuffer();
  if (denied.status !== 403) {
    throw new Error(`authz (JWT) ${when} the run: a missing scope gave ${denied.status}, not 403`);
  }
}

async function checkExpiredJwt(url: string, jwt: string, when: string) {
  const res = await postVerify(url, { token: jwt, scopes: [SCOPE] });
  const body = (await res.json()) as { valid?: boolean; code?: string };
  const authz = await fetch(`${url}/authz`, { headers: { authorization: `Bearer ${jwt}` } });
  await authz.arrayBuffer();
  if (body.valid !== false || body.code !== "EXPIRED" || authz.headers.get("x-gatehouse-decision") !== "EXPIRED") {
    throw new Error(
      `verify (expired JWT) ${when} the run: expected EXPIRED on both endpoints, got ${JSON.stringify(body)} and ` +
        `${authz.status} ${authz.headers.get("x-gatehouse-decision")}`,
    );
  }
}

const POLICY_BASE = "/bench-api";

/** BENCH_REDIS_URL, REDIS_URL or the local default, if it answers PING. */
async function reachableRedis(): Promise<string | null> {
  const url = process.env.BENCH_REDIS_URL ?? process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const { Redis } = await import("ioredis");
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 1500 });
  client.on("error", () => undefined);
  try {
    await client.connect();
    await client.ping();
    return url;
  } catch {
    return null;
  } finally {
    client.disconnect();
  }
}

/** The policy key passes the route rule, IP and limit; the same call without the route's scope is refused. */
async function checkPolicy(url: string, key: Key, when: string) {
  const ok = await fetch(`${url}/authz`, {
    headers: {
      authorization: `Bearer ${key.key}`,
      "x-original-uri": `${POLICY_BASE}/items/1`,
      "x-original-method": "GET",
    },
  });
  await ok.arrayBuffer();
  if (ok.status !== 200 || !ok.headers.get("ratelimit")) {
    throw new Error(`authz (policy) ${when} the run: expected 200 with a RateLimit header, got ${ok.status}`);
  }
  const unknown = await fetch(`${url}/authz`, {
    headers: {
      authorization: `Bearer ${key.key}`,
      "x-original-uri": `${POLICY_BASE}/nope`,
      "x-original-method": "GET",
    },
  });
  await unknown.arrayBuffer();
  if (unknown.status !== 404)
    throw new Error(`authz (policy) ${when} the run: an unknown route gave ${unknown.status}`);
}

async function main() {
  ensureNextBuild(); // before pinning: the build, when needed, gets both cores
  const dataDir = await tempDir();
  const db = await prepareDatabase(dataDir, async () => {
    const principal = await benchPrincipal();
    const created = await createKey(principal, { name: "bench", scopes: [SCOPE], environment: "live" }, BENCH_META);
    // The policy rows: an API whose route rule requires SCOPE, and a key with
    // an IP allowlist holding the load generator and a rate limit it never
    // reaches (every call is counted, none is refused).
    await prisma.api.create({
      data: {
        name: "bench",
        basePath: POLICY_BASE,
        upstreamUrl: "http://127.0.0.1:9",
        routes: { create: [{ method: "GET", pathTemplate: "/items/{id}", security: [[SCOPE]] }] },
      },
    });
    const policyKey = await createKey(principal, { name: "policy", scopes: [SCOPE], environment: "live" }, BENCH_META);
    await prisma.apiKey.update({
      where: { id: policyKey.id },
      data: {
        policy: { ipAllowlist: ["127.0.0.0/8", "::1/128"], rateLimits: [{ limit: 1_000_000_000, windowSeconds: 60 }] },
      },
    });
    return {
      key: { id: created.id, key: created.key },
      policyKey: { id: policyKey.id, key: policyKey.key },
      client: await benchClient(principal),
    };
  });
  const { key, policyKey, client } = db.seeded;

  // The issuer every Gatehouse process of this run shares: the full server's own URL.
  const fullPort = await freePort();
  const issuer = `http://127.0.0.1:${fullPort}`;
  const sharedEnv = { GATEHOUSE_PUBLIC_URL: issuer };

  // 1. Real access tokens from the full server's /oauth/token. They live 10
  // minutes and a default run takes longer, so on a PostgreSQL server the full
  // server stays up, idle on core 1 (the load generator's), and every row and
  // the checks after the run start with a token under a minute old. The
  // embedded database serves one process at a time: there the full server
  // stops after one token, and the JWT rows must end within its lifetime.
  say("bench: starting the full server for an OAuth access token …");
  const keepFull = db.mode === "server";
  const full = startGatehouse({ name: "full", port: fullPort, db, env: sharedEnv, core: keepFull ? 1 : undefined });
  await waitFor(`${issuer}/readyz`, full, "full server", 300_000);
  let jwt = await requestToken(issuer, client, "for the JWT rows");
  let jwtAt = Date.now();
  if (!keepFull) await stopChild(full);
  const freshJwt = async (when: string) => {
    if (!keepFull || Date.now() - jwtAt < 60_000) return;
    jwt = await requestToken(issuer, client, when);
    jwtAt = Date.now();
  };

  pinSelf(1);

  // One set of servers per round (bare, bare-read, the gateway, the gateway on
  // Redis): a process's own speed varies by up to ~20 % from one start to the
  // next, so every round measures fresh processes (see measurePaired). The
  // embedded database is single-process: then one set serves every round.
  // The Redis gateway needs a PostgreSQL server too.
  const redisUrl = db.mode === "server" ? await reachableRedis() : null;
  const redisPrefix = `bench-${process.pid}-${Date.now()}`;
  type ServerSet = {
    bareUrl: string;
    bareReadUrl: string;
    bareBatchUrl: string;
    gwUrl: string;
    redisGwUrl: string;
    bare: ChildProcess;
    bareRead: ChildProcess;
    bareBatch: ChildProcess;
    gateway: ChildProcess;
    redisGateway: ChildProcess | null;
  };
  const sets: ServerSet[] = [];
  for (let i = 0; i < (db.mode === "server" ? ROUNDS : 1); i++) {
    const [barePort, bareReadPort, bareBatchPort, gwPort, redisPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    const set: ServerSet = {
      bareUrl: `http://127.0.0.1:${barePort}`,
      bareReadUrl: `http://127.0.0.1:${bareReadPort}`,
      bareBatchUrl: `http://127.0.0.1:${bareBatchPort}`,
      gwUrl: `http://127.0.0.1:${gwPort}`,
      redisGwUrl: `http://127.0.0.1:${redisPort}`,
      bare: startBare(`bare-${i + 1}`, barePort),
      bareRead: startBare(`bare-read-${i + 1}`, bareReadPort, { readBody: true }),
      bareBatch: startBare(`bare-batch-${i + 1}`, bareBatchPort, { batchWrites: true }),
      gateway: startGatehouse({
        name: `gateway-${i + 1}`,
        port: gwPort,
        args: ["--gateway"],
        db,
        env: sharedEnv,
        profile: true,
        core: 0,
      }),
      redisGateway: redisUrl
        ? startGatehouse({
            name: `gateway-redis-${i + 1}`,
            port: redisPort,
            args: ["--gateway"],
            db,
            env: { ...sharedEnv, REDIS_URL: redisUrl, GATEHOUSE_REDIS_PREFIX: redisPrefix },
            core: 0,
          })
        : null,
    };
    await waitFor(`${set.bareUrl}/`, set.bare, "bare server");
    await waitFor(`${set.bareReadUrl}/`, set.bareRead, "bare server (read)");
    await waitFor(`${set.bareBatchUrl}/`, set.bareBatch, "bare server (batched writes)");
    await waitFor(`${set.gwUrl}/readyz`, set.gateway, "gateway", 180_000);
    if (set.redisGateway) await waitFor(`${set.redisGwUrl}/readyz`, set.redisGateway, "gateway (Redis)", 180_000);
    sets.push(set);
  }
  const checkAll = async (set: ServerSet, when: string) => {
    await checkVerify(set.gwUrl, key, when);
    await checkAuthz(set.gwUrl, key, when);
    await checkJwt(set.gwUrl, jwt, client.clientId, when);
    await checkPolicy(set.gwUrl, policyKey, when);
    if (set.redisGateway) await checkPolicy(set.redisGwUrl, policyKey, when);
  };

  const json = { "content-type": "application/json" };
  const verifyBody = JSON.stringify({ key: key.key, scopes: [SCOPE] });
  const authzHeaders = { authorization: `Bearer ${key.key}`, "x-required-scopes": SCOPE };
  // /authz as NGINX calls it for a catalog route: the route rule decides the scope.
  const authzPolicyHeaders = {
    authorization: `Bearer ${policyKey.key}`,
    "x-original-uri": `${POLICY_BASE}/items/42?x=1`,
    "x-original-method": "GET",
  };
  // The bare server gets the same requests as the gateway (it ignores them): a
  // POST with a JSON body costs node:http noticeably more than a GET, so each
  // endpoint is compared with the bare server answering its own request shape.
  const post = (url: string, body: string) => ({ url, method: "POST" as const, headers: json, body });
  const get = (url: string, headers: Record<string, string>) => ({ url, method: "GET" as const, headers });
  // Built when a round starts: the JWT rows send the current token.
  const targetsOf = (set: ServerSet): Record<string, Target> => {
    const { bareUrl, bareReadUrl, bareBatchUrl, gwUrl, redisGwUrl, bare, bareRead, bareBatch, gateway, redisGateway } =
      set;
    const verifyJwtBody = JSON.stringify({ token: jwt, scopes: [SCOPE] });
    const authzJwtHeaders = { authorization: `Bearer ${jwt}`, "x-required-scopes": SCOPE };
    return {
      barePost: { name: "bare node:http, POST", server: bare, ...post(`${bareUrl}/v1/verify`, verifyBody) },
      bareGet: { name: "bare node:http, GET", server: bare, ...get(`${bareUrl}/authz`, authzHeaders) },
      // The JWT rows' own request shapes: a ~750-byte body, a ~700-byte Authorization header.
      barePostJwt: { name: "bare node:http, POST (JWT)", server: bare, ...post(`${bareUrl}/v1/verify`, verifyJwtBody) },
      bareGetJwt: { name: "bare node:http, GET (JWT)", server: bare, ...get(`${bareUrl}/authz`, authzJwtHeaders) },
      bareRead: { name: "bare + read/parse body", server: bareRead, ...post(`${bareReadUrl}/v1/verify`, verifyBody) },
      bareBatch: {
        name: "bare, answers batched",
        server: bareBatch,
        ...get(`${bareBatchUrl}/authz`, authzHeaders),
      },
      verify: { name: "POST /v1/verify", server: gateway, ...post(`${gwUrl}/v1/verify`, verifyBody) },
      authz: { name: "GET /authz", server: gateway, ...get(`${gwUrl}/authz`, authzHeaders) },
      verifyJwt: { name: "verify (cached JWT)", server: gateway, ...post(`${gwUrl}/v1/verify`, verifyJwtBody) },
      authzJwt: { name: "authz (cached JWT)", server: gateway, ...get(`${gwUrl}/authz`, authzJwtHeaders) },
      authzPolicy: {
        name: "authz route+IP+limit, memory",
        server: gateway,
        ...get(`${gwUrl}/authz`, authzPolicyHeaders),
      },
      ...(redisGateway
        ? {
            authzPolicyRedis: {
              name: "authz route+IP+limit, Redis",
              server: redisGateway,
              ...get(`${redisGwUrl}/authz`, authzPolicyHeaders),
            },
          }
        : {}),
    };
  };
  const targets = targetsOf(sets[0]);
  /** The target `id` of the round's server set. */
  const of = (id: string) => (round: number) => targetsOf(sets[round % sets.length])[id];

  sayRun(db, "servers on core 0");

  for (const set of sets) await checkAll(set, "before");

  // Each Gatehouse row alternates with the bare row of its request shape
  // (measurePaired: bare, row, bare, row, …, bare) and its figure is the
  // median of the rounds' ratios. BENCH_ONLY=authzJwt,… measures only those
  // rows (with BENCH_CPU_PROF: a profile of just them).
  // Each row: the bare row of its request shape, and the label of its ratio line.
  const rowsOf: Record<string, { bare: string; label: string }> = {
    verify: { bare: "barePost", label: "verify/bare" },
    authz: { bare: "bareGet", label: "authz/bare" },
    verifyJwt: { bare: "barePostJwt", label: "verify-jwt/bare" },
    authzJwt: { bare: "bareGetJwt", label: "authz-jwt/bare" },
    authzPolicy: { bare: "bareGet", label: "authz-policy-memory/bare" },
    authzPolicyRedis: { bare: "bareGet", label: "authz-policy-redis/bare" },
  };
  const gatehouseIds = Object.keys(rowsOf).filter((id) => id in targets);
  const only = process.env.BENCH_ONLY?.split(",").filter(Boolean);
  const unknown = (only ?? []).filter((id) => !gatehouseIds.includes(id));
  if (unknown.length) {
    throw new Error(`BENCH_ONLY: unknown rows ${unknown.join(", ")} (rows: ${gatehouseIds.join(", ")})`);
  }
  const paired = new Map<string, Paired>();
  for (const id of only ?? gatehouseIds) {
    await freshJwt(`for the ${rowsOf[id].label} row`);
    paired.set(id, await measurePaired(of(id), of(rowsOf[id].bare)));
  }
  // The fairer ceiling for verify: a bare server that also reads and parses the body (one round).
  const verifyRead = paired.has("verify") ? await measurePaired(of("verify"), of("bareRead"), 1) : undefined;
  // The data plane's own cost: /authz against a bare server that batches its writes as the data plane does (one round).
  const authzBatch = paired.has("authz") ? await measurePaired(of("authz"), of("bareBatch"), 1) : undefined;

  // BENCH_SHARED_CORE=1: each row again, loaded at the same time as its bare row (measureSharedCore).
  const shared: string[] = [];
  if (process.env.BENCH_SHARED_CORE === "1") {
    for (const id of only ?? gatehouseIds) {
      await freshJwt(`for the ${rowsOf[id].label} row on a shared core`);
      const ratios = await measureSharedCore(of(id), of(rowsOf[id].bare));
      shared.push(
        `${rowsOf[id].label} on a shared core: ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(" ")})`,
      );
    }
  }

  await freshJwt("for the checks after the run");
  for (const set of sets) await checkAll(set, "after");

  const all = [...paired.values(), ...(verifyRead ? [verifyRead] : []), ...(authzBatch ? [authzBatch] : [])];
  say("");
  table(all.flatMap(pairedRows));
  say("");
  for (const [id, p] of paired) say(`${rowsOf[id].label} throughput ratio: ${pairedRatio(p)}`);
  if (verifyRead) say(`verify/bare-read throughput ratio: ${pairedRatio(verifyRead)}`);
  if (authzBatch) say(`authz/bare-batched throughput ratio: ${pairedRatio(authzBatch)}`);
  for (const line of shared) say(line);
  if (!redisUrl) {
    say("authz-policy-redis: not measured (needs a PostgreSQL server and a reachable Redis: BENCH_REDIS_URL)");
  }
  // Secondary figures: the same ratios per server CPU-second (steadier on a busy
  // machine), and a note when a server was not the bottleneck of its run.
  const perCpu = [...paired].map(([id, p]) => `${rowsOf[id].label} ${pairedCpuRatio(p)}`);
  if (verifyRead) perCpu.push(`verify/bare-read ${pairedCpuRatio(verifyRead)}`);
  if (authzBatch) perCpu.push(`authz/bare-batched ${pairedCpuRatio(authzBatch)}`);
  say(`(per server CPU-second, medians: ${perCpu.join(", ")})`);
  noteUnderused(all.flatMap(pairedRows));
}

await runBench(main, () => {
  if (CPU_PROF) say(`bench: gateway CPU profile written to ${path.resolve(CPU_PROF)}`);
});
