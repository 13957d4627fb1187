// The Prisma CLI with our schema-engine shim (scripts/schema-engine: the npm
// WebAssembly build of the engine behind the native binary's stdio protocol)
// against a real PostgreSQL server and against embedded PGlite.
//
// Every test spawns the real CLI (`npx prisma ...`) with
// PRISMA_SCHEMA_ENGINE_BINARY pointing at the shim, so nothing here can fall
// back to downloading the native engine.
//
// Server: TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres),
// a role that may create databases. A uniquely named database is created for
// the run and dropped at the end.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { freePort } from "../../lib/free-port";

const root = path.resolve(import.meta.dirname, "../..");
const shim = path.join(root, "scripts", "schema-engine", "schema-engine");
const schemaPath = path.join(root, "prisma", "schema.prisma");
const serverUrl = process.env.TEST_DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

type Run = { code: number | null; stdout: string; stderr: string };

/** Run `npx prisma <args>` in the project root against `databaseUrl`. */
function prisma(args: string[], databaseUrl: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn("npx", ["prisma", ...args], {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        PRISMA_SCHEMA_ENGINE_BINARY: shim,
        CHECKPOINT_DISABLE: "1",
        PRISMA_HIDE_UPDATE_MESSAGE: "1",
        NO_COLOR: "1",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Run the shim directly (its one-shot `cli` mode), as the CLI does. */
function shimCli(command: string, databaseUrl: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(shim, ["--datasource", JSON.stringify({ url: databaseUrl }), "cli", command], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const explain = (run: Run) => `exit ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Table names the schema maps its models to (`@@map("...")`, else the model name). */
function tablesOfSchema(): string[] {
  const schema = readFileSync(schemaPath, "utf8");
  return [...schema.matchAll(/^model\s+(\w+)\s*\{([\s\S]*?)^\}/gm)].map(
    ([, model, body]) => body.match(/@@map\(\s*"([^"]+)"\s*\)/)?.[1] ?? model,
  );
}

async function publicTables(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    return rows.map((r) => r.table_name);
  } finally {
    await client.end();
  }
}

// Needs a PostgreSQL server: runs in the server pass of `npm test` (the embedded pass skips it,
// and scripts/test.mjs reports the whole server pass as skipped when TEST_DATABASE_URL is unset).
describe.runIf(inject("databaseMode") === "server")("schema-engine shim (Prisma CLI on the Wasm engine)", () => {
  const database = `gatehouse_schema_engine_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
  const databaseUrl = withDatabase(serverUrl, database);

  async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  }

  beforeAll(async () => {
    expect(existsSync(shim), `missing ${shim}`).toBe(true);
    await admin((c) => c.query(`CREATE DATABASE "${database}"`));
  });

  afterAll(async () => {
    await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  it("migrate deploy creates every table of the schema, and migrate status agrees", async () => {
    const deploy = await prisma(["migrate", "deploy"], databaseUrl);
    expect(deploy.code, explain(deploy)).toBe(0);
    expect(deploy.stdout).toMatch(/All migrations have been successfully applied|No pending migrations/);

    const tables = await publicTables(databaseUrl);
    expect(tables).toContain("_prisma_migrations");
    for (const table of tablesOfSchema()) expect(tables).toContain(table);

    const status = await prisma(["migrate", "status"], databaseUrl);
    expect(status.code, explain(status)).toBe(0);
    expect(status.stdout).toContain("Database schema is up to date!");

    const again = await prisma(["migrate", "deploy"], databaseUrl);
    expect(again.code, explain(again)).toBe(0);
    expect(again.stdout).toContain("No pending migrations to apply.");
  }, 180_000);

  it("the committed migrations produce exactly prisma/schema.prisma (drift check exits 0)", async () => {
    const diff = await prisma(
      [
        "migrate",
        "diff",
        "--from-migrations",
        "prisma/migrations",
        "--to-schema",
        "prisma/schema.prisma",
        "--exit-code",
      ],
      databaseUrl,
    );
    expect(diff.code, explain(diff)).toBe(0);
    expect(diff.stdout).toContain("No difference detected.");
  }, 180_000);

  it("a schema change is reported as drift: exit code 2 and the SQL with --script", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-schema-engine-"));
    try {
      const changed = path.join(dir, "schema.prisma");
      const extra = '\nmodel SchemaEngineProbe {\n  id Int @id\n\n  @@map("schema_engine_probe")\n}\n';
      await writeFile(changed, readFileSync(schemaPath, "utf8") + extra);
      const diff = await prisma(
        [
          "migrate",
          "diff",
          "--from-migrations",
          "prisma/migrations",
          "--to-schema",
          changed,
          "--script",
          "--exit-code",
        ],
        databaseUrl,
      );
      expect(diff.code, explain(diff)).toBe(2);
      expect(diff.stdout).toContain('CREATE TABLE "schema_engine_probe"');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);

  it("one-shot `cli can-connect-to-database` reports a missing database as P1003", async () => {
    const ok = await shimCli("can-connect-to-database", databaseUrl);
    expect(ok.code, explain(ok)).toBe(0);

    const missing = await shimCli("can-connect-to-database", withDatabase(serverUrl, `${database}_missing`));
    expect(missing.code).toBe(1);
    // The CLI skips the first stderr line and parses the others as JSON.
    const lines = missing.stderr
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => JSON.parse(l));
    expect(lines).toContainEqual(
      expect.objectContaining({
        level: "ERROR",
        target: "schema_engine::logger",
        fields: expect.objectContaining({ error_code: "P1003" }),
      }),
    );
  }, 60_000);

  it("migrate deploy works on embedded PGlite (a single wire connection)", async () => {
    const { PGlite } = await import("@electric-sql/pglite");
    const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
    const dir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-schema-engine-pglite-"));
    const db = await PGlite.create(dir);
    const port = await freePort();
    const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 1 });
    await server.start();
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
    try {
      const deploy = await prisma(["migrate", "deploy"], url);
      expect(deploy.code, explain(deploy)).toBe(0);
      const status = await prisma(["migrate", "status"], url);
      expect(status.code, explain(status)).toBe(0);

      const tables = await publicTables(url);
      for (const table of tablesOfSchema()) expect(tables).toContain(table);
    } finally {
      await server.stop();
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
