// Process entry: one node:http server on one port.
//   data-plane paths (/v1/verify, /authz, /healthz, /readyz) → lib/access (never Next)
//   everything else → Next.js (portal, management REST, next-auth)
// `--gateway` serves the data plane alone, for deployments that scale
// gateways apart from the portal (`npm run gateway`).
import http from "node:http";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";
import { createDataPlaneRoutes } from "./lib/access/http";
import { createDataPlane } from "./lib/access/data-plane";
import { boot } from "./lib/boot";
import { env, publicUrl } from "./lib/env";
import { log } from "./lib/log";

const INTERNAL_HEADER_PREFIX = "x-gatehouse-";
import { CLIENT_IP_HEADER } from "./lib/auth/request-meta";

async function main() {
  const args = new Set(process.argv.slice(2));
  const dev = args.has("--dev");
  const gatewayOnly = args.has("--gateway") || env().GATEHOUSE_DATA_PLANE_ONLY;
  const e = env();

  const booted = await boot({ log: (m) => log.info(m) });
  const dataPlane = await createDataPlane({
    prisma: booted.prisma,
    cacheSize: e.GATEHOUSE_CACHE_SIZE,
    // Other processes' revocations arrive by NOTIFY; the embedded database is single-process.
    listenUrl: booted.embedded ? undefined : booted.databaseUrl,
  });
  const dataPlaneRoutes = createDataPlaneRoutes(dataPlane);

  let nextHandler: http.RequestListener | undefined;
  let upgradeHandler: ((req: http.IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => void) | undefined;
  if (!gatewayOnly) {
    const { default: next } = await import("next");
    const app = next({ dev, dir: process.cwd(), hostname: "localhost", port: e.PORT });
    await app.prepare();
    nextHandler = app.getRequestHandler() as http.RequestListener;
    upgradeHandler = dev ? (app.getUpgradeHandler() as typeof upgradeHandler) : undefined;
  }

  const server = http.createServer((req, res) => {
    if (dataPlaneRoutes(req, res)) return;
    if (!nextHandler) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "not_found", message: "This is a Gatehouse gateway: data-plane paths only.", requestId: "" } }));
      return;
    }
    // Internal headers are ours to set: drop anything a client sent under that prefix.
    for (const name of Object.keys(req.headers)) {
      if (name.startsWith(INTERNAL_HEADER_PREFIX)) delete req.headers[name];
    }
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";
    void nextHandler(req, res);
  });
  if (upgradeHandler) server.on("upgrade", upgradeHandler);
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(e.PORT, e.HOSTNAME, resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  const url = process.env.GATEHOUSE_PUBLIC_URL ? publicUrl() : `http://localhost:${port}`;
  if (gatewayOnly) {
    log.info(`Gatehouse gateway (data plane) listening on ${url} — POST /v1/verify, /authz`);
  } else {
    log.info(`Gatehouse is up: open ${url}/sign-up to create an account, or ${url}/sign-in to sign in`);
  }

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info(`${signal}: shutting down`);
    server.close();
    server.closeAllConnections();
    await dataPlane.close();
    await booted.shutdown();
    process.exit(0);
  };
  process.on("SIGINT", () => void shutdown("SIGINT"));
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
}

main().catch((err: unknown) => {
  // One clear line for configuration mistakes; the stack only for the unexpected.
  const message = err instanceof Error ? err.message : String(err);
  if (message.startsWith("Invalid configuration") || message.includes("is required")) {
    console.error(`gatehouse: ${message}`);
  } else {
    console.error("gatehouse: failed to start:", err);
  }
  process.exit(1);
});
