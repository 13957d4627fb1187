// Wiring of the data plane: key store + loader, lastUsedAt writer, cache
// eviction on credential changes (in-process events, and LISTEN on a real
// PostgreSQL for changes made by other processes).
import type { PrismaClient } from "../generated/prisma/client";
import { credentialEvents, NOTIFY_CHANNEL, type CredentialChange } from "./events";
import { loadPublicJwks } from "../oauth/signing-keys";
import { JwtVerifier } from "./jwt";
import { KeyStore, keyRecordSelect, toKeyRecord } from "./key-store";
import { LastUsedTracker } from "./last-used";
import type { AccessDeps } from "./authorize";
import { ClientPolicies } from "./client-policies";
import { UsageCaps } from "./usage-cap";
import { Counters } from "../ratelimit/counters";
import { RouteTable, type ApiInput } from "../policy/routes";
import { compileTrustedProxies, type TrustFn } from "../policy/client-ip";

export type DataPlane = AccessDeps & {
  lastUsed: LastUsedTracker;
  /** Whom to believe in X-Forwarded-For (GATEHOUSE_TRUSTED_PROXIES). */
  trustProxy: TrustFn;
  /** Re-reads the API catalog (also done on every `catalog` change event). */
  reloadRoutes: () => Promise<void>;
  ready: () => Promise<boolean>;
  close: () => Promise<void>;
};

export type DataPlaneOptions = {
  prisma: PrismaClient;
  cacheSize?: number;
  listenUrl?: string;
  /** Issuer and audience of the OAuth access tokens this data plane accepts. */
  oauth?: { issuer: string; audience: string };
  /** Shared counters across instances; unset → in-memory. */
  redisUrl?: string;
  /** Prefix of every Redis key (GATEHOUSE_REDIS_PREFIX). */
  redisPrefix?: string;
  /** Per-IP limit on unauthenticated calls and failed checks (GATEHOUSE_IP_RATE_LIMIT). */
  ipLimit?: { limit: number; windowSeconds: number };
  /** GATEHOUSE_TRUSTED_PROXIES. */
  trustedProxies?: string;
};

type Holder = { __gatehouseDataPlane?: DataPlane };
const holder = globalThis as unknown as Holder;

/**
 * This process's data plane, for control-plane code that must see the same
 * caches and counters (the access simulator). On globalThis because server.ts
 * and Next's bundle load separate copies of this module.
 */
export function currentDataPlane(): DataPlane | undefined {
  return holder.__gatehouseDataPlane;
}

/** Catalog rows → what the route table reads. */
export async function loadApis(prisma: PrismaClient): Promise<ApiInput[]> {
  const apis = await prisma.api.findMany({ include: { routes: true } });
  return apis.map((a) => ({
    id: a.id,
    name: a.name,
    basePath: a.basePath,
    upstreamUrl: a.upstreamUrl,
    routes: a.routes.map((r) => ({
      method: r.method,
      pathTemplate: r.pathTemplate,
      operationId: r.operationId,
      security: Array.isArray(r.security) ? (r.security as string[][]) : [],
      anonymous: r.anonymous,
    })),
  }));
}

/** "600/60" → {limit: 600, windowSeconds: 60}. */
export function parseLimit(value: string): { limit: number; windowSeconds: number } {
  const [limit, windowSeconds] = value.split("/").map(Number);
  return { limit, windowSeconds };
}

export async function createDataPlane(opts: DataPlaneOptions): Promise<DataPlane> {
  const { prisma } = opts;
  const store = new KeyStore(
    async (hash) => {
      const row = await prisma.apiKey.findUnique({ where: { hash }, select: keyRecordSelect });
      return row ? toKeyRecord(row) : null;
    },
    { max: opts.cacheSize },
  );
  const lastUsed = new LastUsedTracker(async (ids, at) => {
    await prisma.apiKey.updateMany({ where: { id: { in: ids } }, data: { lastUsedAt: at } });
  });

  const jwt = new JwtVerifier({
    issuer: opts.oauth?.issuer ?? "urn:gatehouse:unconfigured",
    audience: opts.oauth?.audience ?? "urn:gatehouse:unconfigured",
    cacheSize: opts.cacheSize,
    loadKeys: () => loadPublicJwks(prisma),
    loadRevocations: async () => {
      const rows = await prisma.oAuthRevocation.findMany({ where: { expiresAt: { gt: new Date() } } });
      return rows.map((r) => ({
        kind: r.kind as "grant" | "client" | "jti",
        value: r.value,
        expiresAt: r.expiresAt.getTime(),
      }));
    },
  });
  await jwt.init();

  let redis: import("ioredis").Redis | undefined;
  if (opts.redisUrl) {
    const { Redis } = await import("ioredis");
    // Auto-pipelining stays off (the ioredis default; measured in session 5): batching each tick's
    // counter scripts into one pipeline made ~3 MB of ioredis objects per scavenge outlive their
    // requests (promoted to old space, then mark-compacted: ~10 % of the core in GC), and cost
    // ~10 % of bench:verify's Redis row. One write per script is cheaper here.
    redis = new Redis(opts.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    // While Redis is unreachable the counters fall back to memory (insurance limiter).
    redis.on("error", () => undefined);
    await new Promise<void>((resolve) => {
      redis!.once("ready", resolve);
      setTimeout(resolve, 2_000).unref();
    });
  }
  const counters = new Counters({ redis, prefix: opts.redisPrefix ?? "gatehouse" });
  const usage = new UsageCaps(prisma);
  const clientPolicies = new ClientPolicies(prisma);

  const dp: DataPlane = {
    store,
    jwt,
    routes: new RouteTable(await loadApis(prisma)),
    counters,
    usage,
    clientPolicies,
    ipLimit: opts.ipLimit ?? { limit: 600, windowSeconds: 60 },
    trustProxy: compileTrustedProxies(opts.trustedProxies),
    lastUsed,
    reloadRoutes: async () => {
      dp.routes = new RouteTable(await loadApis(prisma));
    },
    ready: async () => {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      if (holder.__gatehouseDataPlane === dp) holder.__gatehouseDataPlane = undefined;
      credentialEvents().off("change", onChange);
      await lastUsed.flush();
      await listener?.end();
      redis?.disconnect();
    },
  };

  const onChange = (change: CredentialChange) => {
    if (change.kind === "api_key") store.evict(change.hash);
    else if (change.kind === "oauth_revocation")
      jwt.addRevocation({ kind: change.revocation, value: change.value, expiresAt: change.expiresAt });
    else if (change.kind === "signing_keys") void jwt.reloadKeys();
    else if (change.kind === "oauth_client") clientPolicies.evict(change.clientId);
    else if (change.kind === "policy") {
      // An organization's or plan's policy is merged into every record of its keys and clients.
      store.clear();
      clientPolicies.clear();
    } else if (change.kind === "catalog") void dp.reloadRoutes().catch(() => undefined);
  };
  credentialEvents().on("change", onChange);

  let listener: { end: () => Promise<void> } | undefined;
  if (opts.listenUrl) {
    const { Client } = await import("pg");
    const client = new Client({ connectionString: opts.listenUrl });
    await client.connect();
    client.on("notification", (msg) => {
      if (msg.channel !== NOTIFY_CHANNEL || !msg.payload) return;
      try {
        // Re-emit in-process so every listener here (caches, the OAuth provider) hears it.
        credentialEvents().emit("change", JSON.parse(msg.payload) as CredentialChange);
      } catch {
        store.clear();
        clientPolicies.clear();
      }
    });
    // A lost LISTEN connection means missed evictions: drop everything cached.
    client.on("error", () => {
      store.clear();
      clientPolicies.clear();
      void jwt.init();
      void dp.reloadRoutes().catch(() => undefined);
    });
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    listener = client;
  }

  holder.__gatehouseDataPlane = dp;
  return dp;
}
