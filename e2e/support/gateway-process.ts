// Extra data-plane processes (`server.ts --gateway`, what `npm run gateway`
// runs) on the e2e server's own PostgreSQL database: for tests that need
// several processes sharing one database (revocation by NOTIFY) and one
// Redis (rate limits). Only on a real PostgreSQL: the embedded one is
// single-process by nature.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../lib/free-port";

export type GatewayProcess = { url: string; stop: () => Promise<void> };

const ROOT = path.resolve(import.meta.dirname, "../..");

export async function startGateway(env: Record<string, string>): Promise<GatewayProcess> {
  const databaseUrl = process.env.E2E_DATABASE_URL;
  if (!databaseUrl) throw new Error("startGateway needs the e2e server on a real PostgreSQL (TEST_DATABASE_URL)");
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-gw-"));
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "server.ts", "--gateway"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      HOSTNAME: "127.0.0.1",
      DATABASE_URL: databaseUrl,
      GATEHOUSE_SECRET: process.env.E2E_GATEHOUSE_SECRET ?? "",
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_ADMIN_EMAIL: "",
      GATEHOUSE_ADMIN_PASSWORD: "",
      LOG_LEVEL: "warn",
      ...env,
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("gateway not ready within 60 s");
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        await new Promise((r) => child.once("exit", r));
      }
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
