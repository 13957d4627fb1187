// Apply committed migrations with Prisma's own `migrate deploy` (its schema
// engine runs from npm's WebAssembly build, see scripts/schema-engine).
//
// The child's output goes to a temporary file, not to pipes: reading a child
// process's stdout/stderr through JS streams leaves Node 20's V8 in a state
// where every later process.nextTick and stream state change takes a runtime
// slow path (object-literal map migrations). Measured on a bare node:http
// server pinned to one core: 6 of 8 processes that had read a child's output
// through pipes (3 of 5 of them after this very function) fell to ~38–43k
// req/s with 2–3 % of samples in Runtime_DefineKeyedOwnPropertyInLiteral /
// MigrateToMap; none of 8 that used spawnSync or no output did (42–50k).
// Data-plane processes boot through here, so this made the whole hot path
// ~20 % slower at random. Details: bench/README.md, session 4.
import { spawn } from "node:child_process";
import fs from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";

const require = createRequire(import.meta.url);

export async function migrateDeploy(databaseUrl: string, cwd = process.cwd()): Promise<void> {
  const cli = path.join(path.dirname(require.resolve("prisma/package.json")), "build", "index.js");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gatehouse-migrate-"));
  const logFile = path.join(dir, "output.log");
  const fd = fs.openSync(logFile, "w");
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(process.execPath, [cli, "migrate", "deploy"], {
        cwd,
        env: { ...process.env, DATABASE_URL: databaseUrl, CHECKPOINT_DISABLE: "1", PRISMA_HIDE_UPDATE_MESSAGE: "1" },
        stdio: ["ignore", fd, fd],
      });
      child.on("error", reject);
      child.on("exit", resolve);
    });
    if (code !== 0) {
      throw new Error(`prisma migrate deploy failed (exit ${code}):\n${fs.readFileSync(logFile, "utf8")}`);
    }
  } finally {
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
