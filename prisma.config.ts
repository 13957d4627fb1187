import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { defineConfig } from "prisma/config";

// Prisma 7 does not read .env files: DATABASE_URL must come from the real
// environment. The fallback only exists so that commands that never connect
// (`prisma generate`, `prisma validate`) work without one.
const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gatehouse";

const projectRoot = path.dirname(fileURLToPath(import.meta.url));

// Air-gapped installs: the CLI would download its native schema engine from
// binaries.prisma.sh. Point it at our shim, which runs the WebAssembly build of
// the same engine from npm instead (see scripts/schema-engine/README.md).
// An explicitly set PRISMA_SCHEMA_ENGINE_BINARY (e.g. a real native binary) wins.
const schemaEngineShim = path.join(projectRoot, "scripts", "schema-engine", "schema-engine");
if (!process.env.PRISMA_SCHEMA_ENGINE_BINARY && existsSync(schemaEngineShim)) {
  process.env.PRISMA_SCHEMA_ENGINE_BINARY = schemaEngineShim;
}

// No telemetry / update checks: they would try to reach the internet.
process.env.CHECKPOINT_DISABLE = "1";

export default defineConfig({
  schema: path.join("prisma", "schema.prisma"),
  migrations: {
    path: path.join("prisma", "migrations"),
  },
  datasource: {
    url: process.env.DATABASE_URL || DEFAULT_DATABASE_URL,
    // Optional. Without it, `migrate dev` / `migrate diff --from-migrations`
    // create a temporary shadow database on the same server and drop it again.
    ...(process.env.SHADOW_DATABASE_URL ? { shadowDatabaseUrl: process.env.SHADOW_DATABASE_URL } : {}),
  },
});
