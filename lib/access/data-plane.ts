// Wiring of the data plane: key store + loader, lastUsedAt writer, cache
// eviction on credential changes (in-process events, and LISTEN on a real
// PostgreSQL for changes made by other processes).
import type { PrismaClient } from "../generated/prisma/client";
import { credentialEvents, NOTIFY_CHANNEL, type CredentialChange } from "./events";
import { loadPublicJwks } from "../oauth/signing-keys";
import { JwtVerifier } from "./jwt";
import { KeyStore, toKeyRecord } from "./key-store";
import { LastUsedTracker } from "./last-used";

export type DataPlane = {
  store: KeyStore;
  jwt: JwtVerifier;
  lastUsed: LastUsedTracker;
  ready: () => Promise<boolean>;
  close: () => Promise<void>;
};

export type DataPlaneOptions = {
  prisma: PrismaClient;
  cacheSize?: number;
  listenUrl?: string;
  /** Issuer and audience of the OAuth access tokens this data plane accepts. */
  oauth?: { issuer: string; audience: string };
};

export async function createDataPlane(opts: DataPlaneOptions): Promise<DataPlane> {
  const { prisma } = opts;
  const store = new KeyStore(
    async (hash) => {
      const row = await prisma.apiKey.findUnique({
        where: { hash },
        select: { id: true, orgId: true, scopes: true, environment: true, expiresAt: true, revokedAt: true },
      });
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

  const onChange = (change: CredentialChange) => {
    if (change.kind === "api_key") store.evict(change.hash);
    else if (change.kind === "oauth_revocation")
      jwt.addRevocation({ kind: change.revocation, value: change.value, expiresAt: change.expiresAt });
    else if (change.kind === "signing_keys") void jwt.reloadKeys();
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
      }
    });
    // A lost LISTEN connection means missed evictions: drop everything cached.
    client.on("error", () => {
      store.clear();
      void jwt.init();
    });
    await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    listener = client;
  }

  return {
    store,
    jwt,
    lastUsed,
    ready: async () => {
      try {
        await prisma.$queryRaw`SELECT 1`;
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      credentialEvents().off("change", onChange);
      await lastUsed.flush();
      await listener?.end();
    },
  };
}
