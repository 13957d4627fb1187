#!/usr/bin/env node
// `npm test`: the whole suite, in order of cost.
//   format · type-check · lint · unit · integration (embedded PGlite, and a real
//   PostgreSQL when TEST_DATABASE_URL is set) · Playwright e2e (ui, api, gateway/NGINX)
// Missing tools on a laptop are reported loudly and only their part is skipped;
// with CI=true nothing may skip.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const CI = process.env.CI === "true" || process.env.CI === "1";
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const skipped = [];

function run(title, cmd, args, env = {}) {
  console.log(`\n━━ ${title} ━━`);
  const started = Date.now();
  const r = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env: { ...process.env, ...env } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n✗ ${title} failed (${secs}s)`);
    process.exit(r.status ?? 1);
  }
  console.log(`✓ ${title} (${secs}s)`);
}

function skip(what, why) {
  const line = `SKIPPED ${what}: ${why}`;
  if (CI) {
    console.error(`\n✗ ${line} — not allowed with CI=true`);
    process.exit(1);
  }
  console.warn(`\n⚠⚠⚠ ${line} ⚠⚠⚠`);
  skipped.push(line);
}

function onPath(cmd) {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;
}

function chromiumAvailable() {
  const candidates = [process.env.CHROMIUM_PATH, "/usr/bin/chromium"].filter(Boolean);
  if (candidates.some((p) => existsSync(p))) return true;
  const r = spawnSync(
    process.execPath,
    [
      "-e",
      "const {chromium}=require('playwright-core');process.exit(require('fs').existsSync(chromium.executablePath())?0:1)",
    ],
    { cwd: root },
  );
  return r.status === 0;
}

const only = process.argv.slice(2);
const want = (part) => only.length === 0 || only.includes(part);

if (want("static")) {
  run("prettier --check", bin("prettier"), ["--check", "."]);
  run("tsc --noEmit", bin("tsc"), ["--noEmit"]);
  run("eslint", bin("eslint"), [".", "--max-warnings", "0"]);
}
if (want("unit")) run("unit tests", bin("vitest"), ["run", "--project", "unit"]);
if (want("integration")) {
  run("integration tests · embedded PGlite", bin("vitest"), ["run", "--project", "integration"], {
    GATEHOUSE_TEST_DB: "embedded",
  });
  if (process.env.TEST_DATABASE_URL) {
    run("integration tests · PostgreSQL server", bin("vitest"), ["run", "--project", "integration"], {
      GATEHOUSE_TEST_DB: "server",
    });
  } else {
    skip(
      "integration tests on a real PostgreSQL",
      "TEST_DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/postgres)",
    );
  }
}
if (want("e2e")) {
  const projects = [];
  if (chromiumAvailable()) projects.push("ui");
  else
    skip(
      "browser e2e (e2e/ui)",
      "no Chromium: set CHROMIUM_PATH, install Debian's chromium, or `npx playwright install chromium`",
    );
  projects.push("api");
  if (process.env.NGINX_BIN || onPath("nginx")) projects.push("gateway");
  else skip("NGINX gateway e2e (e2e/gateway)", "nginx is not on PATH (apt-get install nginx)");
  run(`e2e (${projects.join(", ")})`, bin("playwright"), ["test", ...projects.flatMap((p) => ["--project", p])]);
}

if (skipped.length) {
  console.warn(`\nDone, with parts skipped:\n  ${skipped.join("\n  ")}`);
} else {
  console.log("\nAll checks passed.");
}
