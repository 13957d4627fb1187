// The driver adapter the Wasm schema engine talks to the database through.
//
// The Wasm engine has no network stack: every SQL statement goes through a
// "migration-aware driver adapter factory" (`connect()` for the main database,
// `connectToShadowDb()` for the shadow database) that we build on top of
// @prisma/adapter-pg. Three things need fixing on the way:
//
// 1. Result wrapping. The engine does not understand thrown JS exceptions; it
//    expects every adapter call to resolve to `{ ok: true, value }` or
//    `{ ok: false, error }` where `error` is a MappedError (`{ kind, ... }`).
//    Errors that adapter-pg cannot map are kept in a registry and passed as
//    `{ kind: 'GenericJs', id }`; the engine then reports "External error id#N",
//    which the RPC layer turns back into the original message.
// 2. adapter-pg quirks: it rejects pg_catalog's `"char"` type (OID 18, used
//    by the catalog columns the engine introspects, e.g. pg_constraint.contype)
//    and it runs scripts by naively splitting on ";" (which breaks function
//    bodies and string literals in migrations).
// 3. The shadow database. adapter-pg's own `connectToShadowDb()` drops the
//    temporary database before closing the pool that is still connected to
//    it, which fails; we create and drop it ourselves.

import { randomUUID } from "node:crypto";

import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";

import { debug, log } from "./log.mjs";
import { connectionError, parsePostgresUrl, quoteIdent, UserFacingError } from "./pg-config.mjs";

const PG_CHAR_OID = 18; // pg_catalog."char": a single byte, parsed by pg as a string
const PG_TEXT_OID = 25;

// ---------------------------------------------------------------------------
// Error registry + Result wrapping (what Prisma 6's bindAdapter did)
// ---------------------------------------------------------------------------

/** Errors adapter-pg could not map, by the id handed to the engine. */
const externalErrors = new Map();
let nextExternalErrorId = 0;

/**
 * The last connection-level error seen, so a bare engine error message can be
 * given the matching P10xx code (the engine reports those without a code).
 * @type {UserFacingError | undefined}
 */
export let lastConnectionError;

/** Reset `lastConnectionError` before each RPC request. */
export function clearLastConnectionError() {
  lastConnectionError = undefined;
}

/**
 * Replace "External error id#N" in an engine error message with the message of
 * the JS error that the engine only knows by its id.
 * @param {string} message
 */
export function resolveExternalErrors(message) {
  return message.replace(/External error id#(\d+)/g, (match, id) => {
    const error = externalErrors.get(Number(id));
    externalErrors.delete(Number(id));
    return error ? String(error.message ?? error) : match;
  });
}

/** Wrap an async function so it resolves to a Result instead of throwing. */
function wrapAsync(target, fn) {
  return async (...args) => {
    try {
      return { ok: true, value: await fn(...args) };
    } catch (error) {
      return { ok: false, error: toMappedError(error, target) };
    }
  };
}

/** Same as wrapAsync for the one synchronous method (getConnectionInfo). */
function wrapSync(target, fn) {
  return (...args) => {
    try {
      return { ok: true, value: fn(...args) };
    } catch (error) {
      return { ok: false, error: toMappedError(error, target) };
    }
  };
}

/**
 * adapter-pg throws `DriverAdapterError`s whose `cause` is already a
 * MappedError; anything else is registered and passed by id.
 */
function toMappedError(error, target) {
  debug("driver adapter error", { error: String(error?.stack ?? error) });
  const mapped = error?.name === "DriverAdapterError" && typeof error.cause === "object" ? error.cause : undefined;
  const userFacing = error instanceof UserFacingError ? error : connectionError(mapped ?? error, target);
  if (userFacing) lastConnectionError = userFacing;
  if (mapped) return mapped;
  const id = nextExternalErrorId++;
  externalErrors.set(id, userFacing ?? error);
  return { kind: "GenericJs", id };
}

/** Wrap a transaction object returned by adapter-pg. */
function bindTransaction(tx, target) {
  const bound = {
    adapterName: tx.adapterName,
    provider: tx.provider,
    options: tx.options,
    queryRaw: wrapAsync(target, tx.queryRaw.bind(tx)),
    executeRaw: wrapAsync(target, tx.executeRaw.bind(tx)),
    commit: wrapAsync(target, tx.commit.bind(tx)),
    rollback: wrapAsync(target, tx.rollback.bind(tx)),
  };
  for (const name of ["createSavepoint", "rollbackToSavepoint", "releaseSavepoint"]) {
    if (typeof tx[name] === "function") bound[name] = wrapAsync(target, tx[name].bind(tx));
  }
  return bound;
}

/** Wrap a connected adapter (a pool) returned by adapter-pg. */
function bindAdapter(adapter, target) {
  const bound = {
    adapterName: adapter.adapterName,
    provider: adapter.provider,
    queryRaw: wrapAsync(target, adapter.queryRaw.bind(adapter)),
    executeRaw: wrapAsync(target, adapter.executeRaw.bind(adapter)),
    executeScript: wrapAsync(target, adapter.executeScript.bind(adapter)),
    dispose: wrapAsync(target, adapter.dispose.bind(adapter)),
    startTransaction: async (...args) => {
      const result = await wrapAsync(target, adapter.startTransaction.bind(adapter))(...args);
      return result.ok ? { ok: true, value: bindTransaction(result.value, target) } : result;
    },
  };
  if (typeof adapter.getConnectionInfo === "function") {
    bound.getConnectionInfo = wrapSync(target, adapter.getConnectionInfo.bind(adapter));
  }
  return bound;
}

// ---------------------------------------------------------------------------
// adapter-pg fixes
// ---------------------------------------------------------------------------

/**
 * Report `"char"` columns as text. adapter-pg maps result columns to Prisma
 * column types by OID and throws "Unsupported column type char" for OID 18;
 * pg has already parsed the value as a one-character string, so relabelling
 * the field is all that is needed. `performIO` is the single place both
 * queryRaw and executeRaw get their pg result from.
 */
function patchCharColumns(queryable) {
  const performIO = queryable.performIO;
  if (typeof performIO !== "function") {
    throw new Error(
      "@prisma/adapter-pg internals changed (no performIO method); scripts/schema-engine/adapter.mjs needs updating",
    );
  }
  queryable.performIO = async function (...args) {
    const result = await performIO.apply(this, args);
    for (const field of result?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
    return result;
  };
}

/**
 * Apply the fixes above to a connected adapter and to every transaction it
 * opens, and run scripts the way the native engine does: as one simple-query
 * message (multiple statements allowed, no naive ";" splitting).
 */
function patchAdapter(adapter) {
  patchCharColumns(adapter);

  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (...args) => {
    const tx = await startTransaction(...args);
    patchCharColumns(tx);
    return tx;
  };

  adapter.executeScript = async function (script) {
    try {
      // No parameters => pg uses the simple query protocol, which accepts a
      // whole multi-statement script.
      await this.client.query(script);
    } catch (error) {
      this.onError(error); // adapter-pg's own pg-error -> DriverAdapterError mapping (throws)
    }
  };
  return adapter;
}

// ---------------------------------------------------------------------------
// Offline start-up
// ---------------------------------------------------------------------------

/**
 * The engine runs this probe as soon as it is constructed, before it knows
 * whether the command needs a database at all. (The native engine connects
 * lazily, so e.g. `migrate diff --from-empty --to-schema` works without one.)
 */
const STARTUP_PROBE = /^SELECT EXISTS\(SELECT 1 FROM pg_namespace WHERE nspname = \$1\), version\(\)/;

/**
 * If the database cannot be reached, answer the start-up probe ourselves so
 * the engine can still be constructed for commands that only read schema
 * files; any real query afterwards fails with the original connection error.
 */
function offlineAdapter(adapter, target, error) {
  let probeAnswered = false;
  const fail = async () => {
    throw error;
  };
  log("WARN", `Database not reachable (${error.message.split("\n")[0]}); continuing until a command needs it.`);
  return {
    adapterName: adapter.adapterName,
    provider: adapter.provider,
    async queryRaw(query) {
      if (!probeAnswered && STARTUP_PROBE.test(query.sql)) {
        probeAnswered = true;
        return {
          columnNames: ["exists", "version", "numeric_version"],
          columnTypes: [5 /* Boolean */, 7 /* Text */, 0 /* Int32 */],
          rows: [[true, "PostgreSQL 15.0 (not connected: answered by the schema-engine shim)", 150000]],
        };
      }
      throw error;
    },
    executeRaw: fail,
    executeScript: fail,
    startTransaction: fail,
    getConnectionInfo: () => adapter.getConnectionInfo(),
    dispose: () => adapter.dispose(),
  };
}

// ---------------------------------------------------------------------------
// The factory
// ---------------------------------------------------------------------------

/** Shadow databases we created and have not dropped yet. */
const shadowDatabases = new Map(); // name -> PgTarget of the server it lives on

/**
 * @param {{ url?: string, shadowDatabaseUrl?: string }} datasource
 *   what the Prisma CLI passed as `--datasource`
 */
export function createAdapterFactory(datasource) {
  const mainTarget = () => {
    if (!datasource.url) {
      throw new UserFacingError(
        "P1012",
        "No datasource URL: set `datasource.url` in prisma.config.ts (e.g. from DATABASE_URL).",
      );
    }
    return parsePostgresUrl(datasource.url);
  };

  const pgAdapter = (target) => new PrismaPg({ ...target.config, max: target.poolSize }, { schema: target.schema });

  let connectedOnce = false;

  const factory = {
    provider: "postgres",
    adapterName: "@prisma/adapter-pg",

    async connect() {
      const target = mainTarget();
      const adapter = patchAdapter(await pgAdapter(target).connect());
      if (connectedOnce) return bindAdapter(adapter, target);
      connectedOnce = true;
      // First connection (engine start-up): check reachability up front so
      // an unreachable database can be handled as described above.
      try {
        await adapter.executeRaw({ sql: "SELECT 1", args: [], argTypes: [] });
      } catch (error) {
        const userFacing = connectionError(error?.cause ?? error, target);
        if (!userFacing) throw error;
        return bindAdapter(offlineAdapter(adapter, target, userFacing), target);
      }
      return bindAdapter(adapter, target);
    },

    async connectToShadowDb() {
      if (datasource.shadowDatabaseUrl) {
        // A user-provided shadow database: the engine resets it itself.
        const target = parsePostgresUrl(datasource.shadowDatabaseUrl);
        return bindAdapter(patchAdapter(await pgAdapter(target).connect()), target);
      }
      // Otherwise create a throwaway database next to the main one, exactly
      // like the native engine does, and drop it when the engine lets go.
      const main = mainTarget();
      const name = `prisma_migrate_shadow_db_${randomUUID()}`;
      try {
        await adminQuery(main, `CREATE DATABASE ${quoteIdent(name)}`);
      } catch (error) {
        if (error instanceof UserFacingError) throw error;
        throw new UserFacingError(
          "P3014",
          `Prisma Migrate could not create the shadow database. Please make sure the database user has permission to create databases. Read more about the shadow database (and workarounds) at https://pris.ly/d/migrate-shadow\n\nOriginal error: ${error?.message ?? error}`,
        );
      }
      shadowDatabases.set(name, main);
      debug("created shadow database", { name });

      const target = { ...main, database: name, config: { ...main.config, database: name } };
      const adapter = patchAdapter(await pgAdapter(target).connect());
      const dispose = adapter.dispose.bind(adapter);
      adapter.dispose = async () => {
        await dispose(); // close the pool first: a database with sessions can't be dropped
        await dropShadowDatabase(name);
      };
      return bindAdapter(adapter, target);
    },
  };

  const targetForErrors = () => {
    try {
      return mainTarget();
    } catch {
      return parsePostgresUrl("postgresql://localhost/postgres");
    }
  };
  return bindFactory(factory, targetForErrors);
}

/**
 * The factory methods follow the Result convention too.
 * @param {() => import('./pg-config.mjs').PgTarget} target for error messages
 */
function bindFactory(factory, target) {
  const wrap = (fn) => async () => {
    try {
      return { ok: true, value: await fn() };
    } catch (error) {
      return { ok: false, error: toMappedError(error, target()) };
    }
  };
  return {
    provider: factory.provider,
    adapterName: factory.adapterName,
    connect: wrap(() => factory.connect()),
    connectToShadowDb: wrap(() => factory.connectToShadowDb()),
  };
}

/**
 * Run one statement on a short-lived connection to the given server.
 * Connection failures become UserFacingErrors (P1001, ...); errors of the
 * statement itself are thrown as pg errors (with their SQLSTATE `code`).
 */
export async function adminQuery(target, sql) {
  const client = new pg.Client(target.config);
  client.on("error", () => {}); // errors are reported through the awaited calls
  try {
    try {
      await client.connect();
    } catch (error) {
      throw connectionError(error, target) ?? error;
    }
    return await client.query(sql);
  } finally {
    await client.end().catch(() => {});
  }
}

/** Drop one shadow database we created. */
async function dropShadowDatabase(name) {
  const server = shadowDatabases.get(name);
  if (!server) return;
  try {
    // WITH (FORCE) (Postgres 13+) also ends sessions still connected to it.
    await adminQuery(server, `DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`);
  } catch (error) {
    if (error?.code !== "42601") throw error; // syntax error => Postgres < 13
    await adminQuery(server, `DROP DATABASE IF EXISTS ${quoteIdent(name)}`);
  }
  shadowDatabases.delete(name);
  debug("dropped shadow database", { name });
}

/** Drop shadow databases left behind (engine error, early exit). Never throws. */
export async function dropLeftoverShadowDatabases() {
  for (const name of [...shadowDatabases.keys()]) {
    try {
      await dropShadowDatabase(name);
    } catch (error) {
      log("WARN", `Could not drop shadow database ${name}: ${error?.message ?? error}`);
    }
  }
}
