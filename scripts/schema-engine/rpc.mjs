// The long-lived mode: JSON-RPC 2.0 on stdin/stdout, one JSON object per line,
// exactly like the native binary. Requests are handled one at a time, in
// order, by the Wasm engine.
//
// Protocol differences between the native RPC API and the Wasm class that
// this file bridges:
// - method names: `getDatabaseVersion` is `version()` in Wasm; everything
//   else has the same name (the CLI already calls `diff`, not `migrateDiff`);
// - `diff`: the native engine prints the diff by sending a `print` request
//   back to the CLI (which writes it to its stdout and answers on our stdin);
//   the Wasm engine returns it as `stdout` in the result instead;
// - `createDatabase` is not in the Wasm engine; done here with pg;
// - errors: the Wasm engine throws JS errors; the CLI wants JSON-RPC errors
//   with `data: { is_panic, message, error_code }`.

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { createInterface } from "node:readline";

import {
  adminQuery,
  clearLastConnectionError,
  createAdapterFactory,
  dropLeftoverShadowDatabases,
  lastConnectionError,
  resolveExternalErrors,
} from "./adapter.mjs";
import { debug, debugEnabled, forwardEngineLog, log } from "./log.mjs";
import { connectionError, parsePostgresUrl, quoteIdent, UserFacingError } from "./pg-config.mjs";
import { isWasmPanic, loadWasmRuntime, panicRegistry } from "./wasm.mjs";

/** Native RPC method name -> Wasm `SchemaEngine` method name. */
const WASM_METHODS = {
  applyMigrations: "applyMigrations",
  createMigration: "createMigration",
  dbExecute: "dbExecute",
  debugPanic: "debugPanic",
  devDiagnostic: "devDiagnostic",
  diagnoseMigrationHistory: "diagnoseMigrationHistory",
  diff: "diff",
  ensureConnectionValidity: "ensureConnectionValidity",
  evaluateDataLoss: "evaluateDataLoss",
  getDatabaseVersion: "version",
  introspect: "introspect",
  introspectSql: "introspectSql",
  markMigrationApplied: "markMigrationApplied",
  markMigrationRolledBack: "markMigrationRolledBack",
  reset: "reset",
  schemaPush: "schemaPush",
};

/** JSON-RPC error code the native engine uses for all engine errors. */
const ENGINE_ERROR = 4466;

/** The Wasm engine panicked (a Rust panic surfaces as a Wasm trap). */
class EnginePanic extends Error {}

/** The session currently serving, for `failInFlightRequest`. */
let activeSession;

/**
 * Serve JSON-RPC until stdin closes.
 * @param {import('./args.mjs').EngineArgs} args
 * @returns {Promise<number>} exit code (101 if the engine panicked)
 */
export async function serveRpc(args) {
  const session = new Session(args);
  activeSession = session;
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });

  let queue = Promise.resolve();
  for await (const line of lines) {
    if (!line.trim()) continue;
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
      continue;
    }
    // Responses to our own requests (`print`) are handled immediately; they
    // must not wait behind the request that is waiting for them.
    if (message.method === undefined && message.id !== undefined) {
      session.onResponse(message);
      continue;
    }
    queue = queue.then(() => session.handle(message));
  }
  await queue;
  await session.close();
  return session.panicMessage ? 101 : 0;
}

/**
 * Called by main.mjs for errors nobody awaited (uncaughtException). A panic
 * inside a Wasm callback lands there, and the engine promise of the current
 * request then never settles. If a request is in flight, fail it with that
 * error and keep serving; returns false if there was nothing to fail.
 *
 * Why not just exit: the Prisma CLI (7.x) does not notice an engine that
 * exits in the middle of a request. Its `stop()` then waits for an exit event
 * that already happened, the event loop drains, and the CLI exits with code
 * 0 and no message. An error *response* makes it fail properly.
 */
export function failInFlightRequest(error) {
  return activeSession?.failInFlight(error) ?? false;
}

function send(message) {
  debug("rpc response", { response: JSON.stringify(message).slice(0, 2000) });
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

class Session {
  /** @param {import('./args.mjs').EngineArgs} args */
  constructor(args) {
    this.args = args;
    /** @type {Promise<any> | undefined} the Wasm SchemaEngine, created lazily */
    this.enginePromise = undefined;
    this.pendingPrints = new Map();
    this.nextPrintId = 1;
    /** @type {((error: Error) => void) | undefined} rejects the request in flight */
    this.rejectInFlight = undefined;
    /** @type {string | undefined} set once the engine has panicked */
    this.panicMessage = undefined;
  }

  /**
   * Create the Wasm engine on first use (it connects to the database while
   * being constructed). A failure is reported for the current request and
   * retried on the next one, like the native engine's lazy connection.
   */
  engine() {
    this.enginePromise ??= (async () => {
      const runtime = await loadWasmRuntime();
      // The CLI passes paths; the Wasm engine wants [path, content] pairs
      // (and `undefined`, not an empty list, when there is no schema).
      const datamodels = this.args.datamodels.map((path) => [path, readFileSync(resolve(path), "utf8")]);
      return runtime.SchemaEngine.new(
        { datamodels: datamodels.length > 0 ? datamodels : undefined },
        forwardEngineLog,
        createAdapterFactory(this.args.datasource),
      );
    })().catch((error) => {
      this.enginePromise = undefined;
      throw error;
    });
    return this.enginePromise;
  }

  /** Handle one request (or notification) and send its response. */
  async handle(request) {
    const { id, method, params } = request;
    debug("rpc request", { request: JSON.stringify(request).slice(0, 2000) });
    clearLastConnectionError();
    try {
      const aborted = new Promise((_, reject) => {
        this.rejectInFlight = reject;
      });
      const work = this.call(method, params ?? {});
      work.catch(() => {}); // if `aborted` wins, a late rejection must not count as uncaught
      const result = await Promise.race([work, aborted]);
      if (id !== undefined) send({ jsonrpc: "2.0", id, result: result ?? {} });
    } catch (error) {
      const panic = error instanceof EnginePanic;
      if (panic) {
        // No method is safe to call on the Wasm instance after a panic;
        // later requests are refused (see call()).
        this.panicMessage = error.message;
        log("ERROR", `Schema engine panicked: ${error.message}`, { is_panic: true });
      }
      if (id !== undefined) send({ jsonrpc: "2.0", id, error: toRpcError(error, panic) });
      else log("ERROR", String(error?.message ?? error));
    } finally {
      this.rejectInFlight = undefined;
    }
  }

  /** See failInFlightRequest. */
  failInFlight(error) {
    if (!this.rejectInFlight) return false;
    const message = isWasmPanic(error)
      ? panicRegistry.message || String(error?.message ?? error)
      : `Schema engine error: ${error?.message ?? error}`;
    const panic = new EnginePanic(message);
    panic.stack = error?.stack ?? panic.stack;
    this.rejectInFlight(panic);
    return true;
  }

  async call(method, params) {
    if (this.panicMessage) {
      throw new Error(
        `The schema engine panicked during an earlier request and cannot be used any more: ${this.panicMessage}`,
      );
    }
    if (method === "createDatabase") return this.createDatabase(params);
    // The Wasm `version()` ignores its argument but fails to deserialize an
    // object without `datasource` (and then never settles): pass nothing.
    if (method === "getDatabaseVersion" && !params?.datasource) params = undefined;

    const wasmMethod = WASM_METHODS[method];
    if (!wasmMethod) {
      const error = new Error(`The schema-engine Wasm shim does not support the \`${method}\` method.`);
      error.rpcCode = -32601;
      throw error;
    }

    const engine = await this.engine();
    let result;
    try {
      result = await invoke(engine, wasmMethod, params);
    } catch (error) {
      if (!needsPrimedMigrationCache(method, error)) throw error;
      // `evaluateDataLoss` and `createMigration` get the schema of the
      // migration history only from a cache that `devDiagnostic` fills; in
      // the Wasm build they cannot open a shadow database themselves. The
      // cache is keyed by the migration list, and devDiagnostic only stored
      // the *applied* migrations, so after `migrate dev` applied pending
      // ones there is a miss. Diagnosing again (everything is applied now)
      // fills the entry for the full list; then retry once.
      debug("priming the migration schema cache", { method });
      await invoke(engine, "diagnoseMigrationHistory", {
        migrationsList: params.migrationsList,
        optInToShadowDatabase: true,
        filters: params.filters ?? { externalTables: [], externalEnums: [] },
      });
      result = await invoke(engine, wasmMethod, params);
    }

    if (method === "diff") {
      const { stdout, ...rest } = result ?? {};
      // The CLI appends a newline to whatever it is asked to print.
      if (stdout) await this.print(stdout.replace(/\n$/, ""));
      return rest;
    }
    if (method === "getDatabaseVersion" || method === "dbExecute" || method === "reset") {
      return result ?? {};
    }
    return result;
  }

  /** Ask the CLI to print something, and wait for its acknowledgement. */
  print(content) {
    const id = `print-${this.nextPrintId++}`;
    return new Promise((resolvePrint) => {
      this.pendingPrints.set(id, resolvePrint);
      send({ jsonrpc: "2.0", id, method: "print", params: { content } });
    });
  }

  onResponse(message) {
    const resolvePrint = this.pendingPrints.get(message.id);
    if (!resolvePrint) return;
    this.pendingPrints.delete(message.id);
    resolvePrint();
  }

  /** `createDatabase` RPC: not part of the Wasm engine. */
  async createDatabase(params) {
    const url = params?.datasource?.url ?? this.args.datasource.url;
    if (params?.datasource?.tag === "Schema" || !url) {
      throw new UserFacingError("P1012", "createDatabase needs a connection string in this shim.");
    }
    const target = parsePostgresUrl(url);
    const maintenance = { ...target, config: { ...target.config, database: "postgres" }, database: "postgres" };
    try {
      await adminQuery(maintenance, `CREATE DATABASE ${quoteIdent(target.database)}`);
    } catch (error) {
      throw error instanceof UserFacingError ? error : (connectionError(error, target) ?? error);
    }
    return { databaseName: target.database };
  }

  async close() {
    // Free the engine (closes its connection pool) and remove shadow
    // databases that an interrupted command may have left behind.
    try {
      const engine = await this.enginePromise?.catch(() => undefined);
      engine?.free();
    } catch {
      // already freed or never created
    }
    await dropLeftoverShadowDatabases();
  }
}

/**
 * Call a Wasm engine method. It must be called as a method (not through a
 * detached reference): wasm-bindgen needs `this` to find the instance.
 */
async function invoke(engine, method, params) {
  try {
    return await engine[method](params);
  } catch (error) {
    if (isWasmPanic(error)) throw new EnginePanic(panicRegistry.message || String(error?.message ?? error));
    throw error;
  }
}

/** See the retry in Session.call. */
function needsPrimedMigrationCache(method, error) {
  return (
    (method === "evaluateDataLoss" || method === "createMigration") &&
    /shadow DB must be provided through an external factory/.test(String(error?.message))
  );
}

/**
 * Build the JSON-RPC error object in the native engine's shape.
 * @param {any} error
 * @param {boolean} panic
 */
function toRpcError(error, panic) {
  const message = resolveExternalErrors(String(error?.message ?? error));
  if (panic) {
    return {
      code: ENGINE_ERROR,
      message,
      data: { is_panic: true, message, backtrace: error?.stack },
    };
  }
  if (error?.rpcCode) return { code: error.rpcCode, message };

  // Engine errors (SchemaConnectorError) and the shim's own carry a P-code.
  // Connection failures that the engine reports as plain text get the code
  // of the connection error the adapter saw during this request.
  const ownCode = typeof error?.code === "string" && /^P\d{4}$/.test(error.code) ? error.code : undefined;
  const errorCode = ownCode ?? lastConnectionError?.code;
  return {
    code: ENGINE_ERROR,
    message: "An error happened. Check the data field for details.",
    data: {
      is_panic: false,
      message: debugEnabled ? message : withoutSpanTrace(message),
      meta: error?.meta ?? {},
      ...(errorCode ? { error_code: errorCode } : {}),
    },
  };
}

/**
 * The Wasm engine appends a tracing span trace to error messages
 * ("   0: sql_schema_connector::flavour::postgres::describe_schema_with ...").
 * The native engine does not show it to users; drop it unless debugging.
 */
function withoutSpanTrace(message) {
  const at = message.search(/\n\s+0: [a-z_]+(::[a-z_]+)+/);
  return at === -1 ? message : message.slice(0, at).trimEnd();
}
