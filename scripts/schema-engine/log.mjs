// Structured logging in the format of the native schema-engine binary.
//
// The Prisma CLI reads the engine's stderr line by line and parses every line
// as JSON (`{"level", "fields": {"message", ...}, "target"}`): lines at level
// ERROR become the error message it shows, and for the one-shot `cli ...`
// sub-commands it *throws* on any line that is not JSON. So everything this
// shim writes to stderr goes through here, and nothing else may write there
// (the sh wrapper runs node with --no-warnings for the same reason).

/**
 * Write one native-style log line to stderr.
 * @param {'ERROR'|'WARN'|'INFO'|'DEBUG'} level
 * @param {string} message
 * @param {Record<string, unknown>} [fields] extra fields (e.g. error_code)
 * @param {string} [target] Rust-style module path; the CLI looks for
 *   `schema_engine::logger` when it extracts the error of a one-shot command.
 */
export function log(level, message, fields = {}, target = "schema_engine::shim") {
  const line = {
    timestamp: new Date().toISOString(),
    level,
    fields: { message, ...fields },
    target,
  };
  process.stderr.write(`${JSON.stringify(line)}\n`);
}

/**
 * Forward a log line emitted by the Wasm engine. It already produces the
 * native JSON format, so it is passed through unchanged (re-wrapped only if
 * it is not a JSON object, to keep stderr parseable).
 * @param {unknown} raw
 */
export function forwardEngineLog(raw) {
  const text = String(raw).trim();
  if (!text) return;
  try {
    if (typeof JSON.parse(text) === "object") {
      process.stderr.write(`${text}\n`);
      return;
    }
  } catch {
    // fall through
  }
  log("INFO", text, {}, "schema_engine_wasm");
}

/** Whether shim-internal debug lines (every RPC request/response) are wanted. */
export const debugEnabled = /(^|,)\s*(schema-engine-shim|prisma:schemaEngine\*?|\*)\s*(,|$)/.test(
  process.env.DEBUG ?? "",
);

/** @param {string} message @param {Record<string, unknown>} [fields] */
export function debug(message, fields) {
  if (debugEnabled) log("DEBUG", message, fields);
}
