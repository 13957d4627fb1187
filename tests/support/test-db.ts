// A database of the test run's own, on a real PostgreSQL (TEST_DATABASE_URL:
// a server where we may create databases) or on the embedded PGlite. Each run
// creates a uniquely named database and drops it: state from earlier runs on
// the same server never leaks in.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { startEmbeddedPostgres } from "../../lib/db/embedded";
import { migrateDeploy } from "../../lib/db/migrate";

export type TestDb = { url: string; mode: "server" | "embedded"; drop: () => Promise<void> };

function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

function adminConfig(serverUrl: string): pg.ClientConfig {
  const u = new URL(serverUrl);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || "postgres"),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: u.pathname.slice(1) || "postgres",
  };
}

export async function createTestDb(
  mode: "server" | "embedded" = process.env.TEST_DATABASE_URL ? "server" : "embedded",
): Promise<TestDb> {
  if (mode === "server") {
    const serverUrl = process.env.TEST_DATABASE_URL;
    if (!serverUrl) throw new Error("TEST_DATABASE_URL is not set");
    const name = `gatehouse_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
    const admin = new pg.Client(adminConfig(serverUrl));
    await admin.connect();
    await admin.query(`CREATE DATABASE "${name}"`);
    await admin.end();
    const url = withDatabase(serverUrl, name);
    await migrateDeploy(url);
    return {
      url,
      mode,
      drop: async () => {
        const c = new pg.Client(adminConfig(serverUrl));
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.end();
      },
    };
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-test-"));
  const embedded = await startEmbeddedPostgres(dir);
  await migrateDeploy(embedded.url);
  return {
    url: embedded.url,
    mode,
    drop: async () => {
      await embedded.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
