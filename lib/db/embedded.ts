// Embedded PostgreSQL: PGlite (Postgres compiled to WASM, data on disk) served
// on a loopback port, so the app talks to it through the same adapter-pg path
// as a real server. PGlite serves ONE wire connection: pool max must be 1.
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { freePort } from "../free-port";

export type EmbeddedPostgres = { url: string; stop: () => Promise<void> };

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const { PGlite } = await import("@electric-sql/pglite");
  const { PGLiteSocketServer } = await import("@electric-sql/pglite-socket");
  const pgdata = path.resolve(dataDir, "pgdata");
  await mkdir(pgdata, { recursive: true });
  const db = await PGlite.create(pgdata);
  const port = await freePort();
  const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 1 });
  await server.start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}
