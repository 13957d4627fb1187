// Start-up shared by server.ts and the tests: choose the database (embedded
// PGlite or DATABASE_URL), apply migrations, derive secrets, seed the scope
// catalog, create the first admin. Idempotent.
import path from "node:path";
import { setPrisma, createPrisma } from "./db";
import { startEmbeddedPostgres, type EmbeddedPostgres } from "./db/embedded";
import { migrateDeploy } from "./db/migrate";
import { env, publicUrl, resetEnvForTests } from "./env";
import type { PrismaClient } from "./generated/prisma/client";
import { ensureSigningKey } from "./oauth/signing-keys";
import { seedScopes } from "./scopes/seed-scopes";
import { deriveSecret, loadRootSecret } from "./secrets";
import { ensureUser } from "./users/sign-up";

export type Booted = {
  prisma: PrismaClient;
  databaseUrl: string;
  embedded?: EmbeddedPostgres;
  shutdown: () => Promise<void>;
};

export async function boot(opts: { log?: (msg: string) => void } = {}): Promise<Booted> {
  const say = opts.log ?? (() => undefined);
  const e = env();
  const dataDir = path.resolve(e.GATEHOUSE_DATA_DIR);
  let embedded: EmbeddedPostgres | undefined;
  let databaseUrl = e.DATABASE_URL;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(dataDir);
    databaseUrl = embedded.url;
    process.env.DATABASE_URL = databaseUrl;
    process.env.GATEHOUSE_DB_POOL_MAX = "1";
    process.env.GATEHOUSE_EMBEDDED = "1";
    say(`embedded PostgreSQL (PGlite) with data in ${path.join(dataDir, "pgdata")}`);
  }

  const secret = await loadRootSecret({
    dataDir,
    allowGenerate: Boolean(embedded) || e.NODE_ENV !== "production",
  });
  process.env.GATEHOUSE_SECRET = secret;
  process.env.NEXTAUTH_SECRET ??= deriveSecret(secret, "nextauth");
  process.env.NEXTAUTH_URL ??= publicUrl();
  resetEnvForTests();

  await migrateDeploy(databaseUrl);
  const prisma = createPrisma(databaseUrl, embedded ? 1 : undefined);
  setPrisma(prisma);
  await seedScopes(prisma);
  await ensureSigningKey(prisma);

  if (e.GATEHOUSE_ADMIN_EMAIL && e.GATEHOUSE_ADMIN_PASSWORD) {
    const admin = await ensureUser({
      email: e.GATEHOUSE_ADMIN_EMAIL,
      password: e.GATEHOUSE_ADMIN_PASSWORD,
      role: "admin",
    });
    if (admin.created) say(`created admin ${e.GATEHOUSE_ADMIN_EMAIL}`);
  }

  return {
    prisma,
    databaseUrl,
    embedded,
    shutdown: async () => {
      await prisma.$disconnect();
      await embedded?.stop();
    },
  };
}
