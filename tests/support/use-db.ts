// Runs in each test worker before the test file: point lib/db at this run's database.
import { afterAll, inject } from "vitest";
import { setPrisma, createPrisma } from "../../lib/db";
import { seedScopes } from "../../lib/scopes/seed-scopes";

const embedded = inject("databaseMode") === "embedded";
process.env.DATABASE_URL = inject("databaseUrl");
process.env.GATEHOUSE_EMBEDDED = embedded ? "1" : "0";
process.env.GATEHOUSE_SECRET ??= "integration-test-secret-integration-test-secret";

const prisma = createPrisma(process.env.DATABASE_URL, embedded ? 1 : 5);
setPrisma(prisma);
await seedScopes(prisma);

afterAll(async () => {
  await prisma.$disconnect();
  setPrisma(undefined);
});
