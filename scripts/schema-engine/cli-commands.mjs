// The one-shot `schema-engine cli <command>` sub-commands.
//
// The Prisma CLI runs these as separate processes before it starts the
// long-lived JSON-RPC engine (e.g. `migrate dev` checks the database exists
// and creates it if the check reports P1003). It only looks at the exit code
// and, on failure, at stderr: it drops the first line, parses every other
// line as JSON and takes the ERROR entry with target `schema_engine::logger`
// and a `fields.error_code`. They need no schema engine logic, so they are
// implemented with plain pg.

import pg from "pg";

import { adminQuery } from "./adapter.mjs";
import { log } from "./log.mjs";
import { connectionError, parsePostgresUrl, quoteIdent, UserFacingError } from "./pg-config.mjs";

/**
 * @param {string} command
 * @param {{ url?: string }} datasource
 * @returns {Promise<number>} exit code
 */
export async function runCliCommand(command, datasource) {
  // First line: informational. The CLI skips the first stderr line when it
  // looks for the error, so the error must never be the first one.
  log("INFO", `Starting schema engine CLI (Wasm shim): ${command}`);
  try {
    if (!datasource.url) throw new UserFacingError("P1012", "No datasource URL was provided (--datasource).");
    const target = parsePostgresUrl(datasource.url);
    switch (command) {
      case "can-connect-to-database":
        await canConnect(target);
        break;
      case "create-database":
        await createDatabase(target);
        process.stdout.write(`Database '${target.database}' was successfully created.\n`);
        break;
      case "drop-database":
        await adminQuery(serverTarget(target), `DROP DATABASE ${quoteIdent(target.database)}`).catch((error) => {
          throw error instanceof UserFacingError ? error : (connectionError(error, target) ?? error);
        });
        process.stdout.write(`The database '${target.database}' was successfully dropped.\n`);
        break;
      default:
        throw new Error(`Unknown cli command: ${command}`);
    }
    return 0;
  } catch (error) {
    reportError(error);
    return 1;
  }
}

/** Connect to the target database itself. */
async function canConnect(target) {
  const client = new pg.Client(target.config);
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    throw connectionError(error, target) ?? error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * CREATE DATABASE has to run while connected to some *other* database: use
 * the `postgres` maintenance database, or `template1` when that is the one
 * being created (or missing).
 */
async function createDatabase(target) {
  const sql = `CREATE DATABASE ${quoteIdent(target.database)}`;
  try {
    try {
      await adminQuery(serverTarget(target), sql);
    } catch (error) {
      // The maintenance database itself does not exist: try the other one.
      if (error?.code !== "P1003") throw error;
      await adminQuery(serverTarget(target, "template1"), sql);
    }
  } catch (error) {
    throw error instanceof UserFacingError ? error : (connectionError(error, target) ?? error);
  }
}

/** Same server, but connected to a maintenance database. */
function serverTarget(target, database = target.database === "postgres" ? "template1" : "postgres") {
  return { ...target, database, config: { ...target.config, database } };
}

function reportError(error) {
  const fields = {
    is_panic: false,
    ...(error?.code && /^P\d{4}$/.test(error.code) ? { error_code: error.code } : {}),
  };
  log("ERROR", String(error?.message ?? error), fields, "schema_engine::logger");
}
