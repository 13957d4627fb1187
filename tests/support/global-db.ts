// Vitest global setup for integration tests: one database per run.
// GATEHOUSE_TEST_DB=embedded|server picks the kind (default: server when TEST_DATABASE_URL is set).
import type { TestProject } from "vitest/node";
import { createTestDb, type TestDb } from "./test-db";

let db: TestDb | undefined;

export async function setup(project: TestProject) {
  const mode = (process.env.GATEHOUSE_TEST_DB as "server" | "embedded" | undefined) ?? undefined;
  db = await createTestDb(mode);
  project.provide("databaseUrl", db.url);
  project.provide("databaseMode", db.mode);
  console.log(`integration tests on ${db.mode === "server" ? "PostgreSQL server" : "embedded PGlite"}`);
}

export async function teardown() {
  await db?.drop();
}

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseMode: "server" | "embedded";
  }
}
