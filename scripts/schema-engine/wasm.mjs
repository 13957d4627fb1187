// Loading @prisma/schema-engine-wasm.
//
// The package is built with wasm-bindgen's "bundler" target: its entry point
// does `import * as wasm from "./schema_engine_bg.wasm"`, which plain Node
// cannot import (without --experimental-wasm-modules). So we do what Prisma's
// own loader does: import the JS glue (`schema_engine_bg.js`), instantiate the
// .wasm file next to it with that glue as its import object, and hand the
// instance back to the glue.

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

/**
 * The engine reports Rust panics by calling
 * `global.PRISMA_WASM_PANIC_REGISTRY.set_message(msg)` just before it traps
 * with a `RuntimeError: unreachable`. Without this object the panic hook
 * itself throws a confusing TypeError, so it must exist before any call.
 */
export const panicRegistry = {
  message: "",
  set_message(message) {
    this.message = String(message);
  },
};
globalThis.PRISMA_WASM_PANIC_REGISTRY = panicRegistry;

/** A Rust panic surfaces as a WebAssembly trap. */
export function isWasmPanic(error) {
  return error instanceof WebAssembly.RuntimeError || error?.name === "RuntimeError";
}

let runtimePromise;

/**
 * Instantiate the Wasm module once per process (wasm-bindgen keeps global
 * state in the glue module, so a second instance would corrupt it).
 * @returns {Promise<typeof import('@prisma/schema-engine-wasm')>}
 */
export function loadWasmRuntime() {
  runtimePromise ??= (async () => {
    const gluePath = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const runtime = await import(pathToFileURL(gluePath).href);
    const bytes = await readFile(gluePath.replace(/\.js$/, ".wasm"));
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {
      "./schema_engine_bg.js": runtime,
    });
    runtime.__wbg_set_wasm(instance.exports);
    instance.exports.__wbindgen_start();
    return runtime;
  })();
  return runtimePromise;
}
