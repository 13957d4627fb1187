#!/usr/bin/env node
// Entry point of the schema-engine shim: a drop-in replacement for Prisma's
// native `schema-engine` binary (which the CLI would otherwise download from
// binaries.prisma.sh) that runs the official WebAssembly build of the engine
// from npm. Point the CLI at it with PRISMA_SCHEMA_ENGINE_BINARY (done by
// prisma.config.ts). Why and how: see README.md next to this file.

import { dropLeftoverShadowDatabases } from "./adapter.mjs";
import { parseArgs, USAGE } from "./args.mjs";
import { runCliCommand } from "./cli-commands.mjs";
import { log } from "./log.mjs";
import { failInFlightRequest, serveRpc } from "./rpc.mjs";
import { isWasmPanic, loadWasmRuntime, panicRegistry } from "./wasm.mjs";

/**
 * Anything that escapes the normal error handling: report it as an engine
 * crash (non-zero exit + an ERROR line on stderr, which the CLI shows as the
 * reason) instead of dying with a Node stack trace the CLI can't parse.
 * The shape follows the native binary, which exits with 101 on a Rust panic.
 */
function crash(error) {
  // In RPC mode, an error escaping while a request runs (typically a Wasm
  // panic inside a callback) is answered as that request's error instead.
  if (failInFlightRequest(error)) return;
  const reason = isWasmPanic(error) && panicRegistry.message ? panicRegistry.message : (error?.stack ?? error);
  log("ERROR", `Schema engine shim crashed: ${reason}`, { is_panic: true });
  process.exitCode = 101;
  // Best effort: do not leave shadow databases behind, but do not hang.
  const timer = setTimeout(() => process.exit(101), 3000);
  timer.unref();
  dropLeftoverShadowDatabases().finally(() => process.exit(101));
}
process.on("uncaughtException", crash);
process.on("unhandledRejection", crash);

// The CLI stops the engine by closing stdin and then sending SIGTERM right
// away; clean up what we can before going.
process.on("SIGTERM", () => {
  const timer = setTimeout(() => process.exit(143), 3000);
  timer.unref();
  dropLeftoverShadowDatabases().finally(() => process.exit(143));
});

async function main(argv) {
  let args;
  try {
    args = parseArgs(argv);
  } catch (error) {
    log("ERROR", `${error.message}\n\n${USAGE}`);
    return 1;
  }

  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.version) {
    // `prisma version` shows this line. Report the Wasm build's commit.
    const runtime = await loadWasmRuntime();
    process.stdout.write(`schema-engine-cli ${runtime.version()} (wasm)\n`);
    return 0;
  }
  if (args.cliCommand) return runCliCommand(args.cliCommand, args.datasource);
  return serveRpc(args);
}

main(process.argv.slice(2)).then((code) => {
  // Exit explicitly: idle pool sockets or the Wasm runtime must not keep
  // the process alive once the work is done.
  process.exitCode = code;
  setImmediate(() => process.exit(code));
}, crash);
