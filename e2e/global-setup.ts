// Starts Gatehouse for the e2e run on a database of its own (a unique database
// on TEST_DATABASE_URL's server, or the embedded PGlite in a temp dir), with
// GitHub sign-in pointed at a mock GitHub (e2e/support/mock-github.ts), waits
// for /readyz, and tears everything down (dropping the database) afterwards.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { baseURL } from "../playwright.config";
import { createTestDb } from "../tests/support/test-db";
import { ADMIN_EMAIL, ADMIN_PASSWORD } from "./fixtures";
import { startMockGitHub } from "./support/mock-github";

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`Gatehouse exited with code ${child.exitCode} before it was ready`);
    try {
      const res = await fetch(`${url}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Gatehouse was not ready at ${url} within ${timeoutMs} ms`);
}

export default async function globalSetup() {
  if (process.env.E2E_BASE_URL) return; // testing a server someone else started
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "gatehouse-e2e-"));
  // With TEST_DATABASE_URL: a fresh database on that server; else the server starts its embedded one.
  const db = process.env.TEST_DATABASE_URL ? await createTestDb("server") : undefined;
  const port = new URL(baseURL).port;
  const secret = "e2e-secret-e2e-secret-e2e-secret-e2e-secret";
  const github = { id: "mock-client", secret: "mock-secret" };
  const mockGitHub = await startMockGitHub(github);
  // Workers inherit it: e2e/ui/github-sign-in.spec.ts picks the GitHub user there.
  process.env.E2E_MOCK_GITHUB_URL = mockGitHub.url;
  const child = spawn(process.execPath, ["scripts/start.mjs"], {
    cwd: path.resolve(import.meta.dirname, ".."),
    env: {
      ...process.env,
      PORT: port,
      HOSTNAME: "127.0.0.1",
      GATEHOUSE_PUBLIC_URL: baseURL,
      GATEHOUSE_DATA_DIR: dataDir,
      GATEHOUSE_SECRET: secret,
      GATEHOUSE_ADMIN_EMAIL: ADMIN_EMAIL,
      GATEHOUSE_ADMIN_PASSWORD: ADMIN_PASSWORD,
      LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? "warn",
      GITHUB_ID: github.id,
      GITHUB_SECRET: github.secret,
      GITHUB_URL: mockGitHub.url,
      GITHUB_API_URL: mockGitHub.url,
      // Gateway e2e: a slow upstream must turn into a 504 quickly (e2e/gateway/proxy.spec.ts), and
      // NGINX on 127.0.0.1 is a trusted proxy so IP allowlists see the client behind it (nginx-policy.spec.ts).
      GATEHOUSE_UPSTREAM_TIMEOUT_MS: "1500",
      GATEHOUSE_TRUSTED_PROXIES: "127.0.0.1",
      ...(db ? { DATABASE_URL: db.url } : { DATABASE_URL: "" }),
    },
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (!db) delete process.env.DATABASE_URL;
  // Workers inherit these: a spec may read the server's database (e.g. e2e/oauth.ts
  // serverSigningKey). Only on a real server: the embedded database has one connection.
  if (db) {
    process.env.E2E_DATABASE_URL = db.url;
    process.env.E2E_GATEHOUSE_SECRET = secret;
  }
  try {
    await waitForReady(baseURL, child, 300_000);
  } catch (e) {
    await mockGitHub.close();
    throw e;
  }
  console.log(`e2e: Gatehouse ready at ${baseURL} on ${db ? "PostgreSQL server" : "embedded PGlite"}`);

  return async () => {
    child.kill("SIGTERM");
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once("exit", r)));
    await mockGitHub.close();
    await db?.drop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
