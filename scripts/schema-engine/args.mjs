// Command-line arguments, as the Prisma CLI passes them to the native binary:
//
//   schema-engine [--datamodels <schema file>]... [--datasource '<json>']
//                 [--enabled-preview-features a,b] [--extension-types '<json>']
//                 [cli can-connect-to-database|create-database|drop-database]
//   schema-engine --version

/**
 * @typedef {object} EngineArgs
 * @property {string[]} datamodels paths of the Prisma schema files
 * @property {{ url?: string, shadowDatabaseUrl?: string }} datasource
 * @property {string | undefined} cliCommand one-shot sub-command, if any
 * @property {boolean} version
 * @property {boolean} help
 */

/**
 * @param {string[]} argv process.argv.slice(2)
 * @returns {EngineArgs}
 */
export function parseArgs(argv) {
  /** @type {EngineArgs} */
  const args = { datamodels: [], datasource: {}, cliCommand: undefined, version: false, help: false };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inlineValue] = arg.startsWith("--") && arg.includes("=") ? splitOnce(arg, "=") : [arg, undefined];
    const value = () => {
      if (inlineValue !== undefined) return inlineValue;
      if (i + 1 >= argv.length) throw new Error(`Missing value for ${flag}`);
      return argv[++i];
    };

    switch (flag) {
      case "--datamodels":
      case "-d":
        args.datamodels.push(value());
        break;
      case "--datasource":
        args.datasource = parseDatasource(value());
        break;
      case "--enabled-preview-features":
      case "--extension-types":
        // Accepted for compatibility. The Wasm engine reads preview features
        // from the schema's generator block; extension types are not
        // supported by it.
        value();
        break;
      case "--version":
      case "-V":
        args.version = true;
        break;
      case "--help":
      case "-h":
        args.help = true;
        break;
      case "cli":
        args.cliCommand = argv[++i];
        if (!args.cliCommand) throw new Error("Missing sub-command after `cli`");
        break;
      default:
        throw new Error(`Unknown argument: ${arg}`);
    }
  }
  return args;
}

function splitOnce(text, separator) {
  const at = text.indexOf(separator);
  return [text.slice(0, at), text.slice(at + 1)];
}

function parseDatasource(json) {
  let parsed;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new Error(`--datasource is not valid JSON: ${error.message}`);
  }
  if (typeof parsed !== "object" || parsed === null) throw new Error("--datasource must be a JSON object");
  return {
    url: typeof parsed.url === "string" && parsed.url ? parsed.url : undefined,
    shadowDatabaseUrl:
      typeof parsed.shadowDatabaseUrl === "string" && parsed.shadowDatabaseUrl ? parsed.shadowDatabaseUrl : undefined,
  };
}

export const USAGE = `Usage: schema-engine [--datamodels <file>]... [--datasource '<json>'] [cli <command>]

A stand-in for Prisma's native schema-engine binary that runs the official
WebAssembly build of the engine (see scripts/schema-engine/README.md).

Without a command it serves the engine's JSON-RPC API on stdin/stdout.
Commands (with --datasource '{"url": "postgresql://..."}'):
  cli can-connect-to-database
  cli create-database
  cli drop-database
`;
