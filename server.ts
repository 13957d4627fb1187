// Process entry: one node:http server on one port.
//   data-plane paths (/v1/verify, /authz, /healthz, /readyz) → lib/access (never Next)
//   paths under a catalog API's basePath → lib/access/proxy (authorize, then proxy upstream)
//   /oauth/* and the two /.well-known metadata paths → oidc-provider (Next never sees them)
//   /oauth/consent/:uid[/confirm] → lib/oauth/interactions (then the Next consent page)
//   everything else → Next.js (portal, management REST, next-auth)
// `--gateway` serves the data plane alone, for deployments that scale
// gateways apart from the portal (`npm run gateway`).
import http from "node:http";
import type { Duplex } from "node:stream";
import { createDataPlane, parseLimit } from "./lib/access/data-plane";
import { credentialEvents, type CredentialChange } from "./lib/access/events";
import { createDataPlaneRoutes } from "./lib/access/http";
import { createGatewayProxy } from "./lib/access/proxy";
import { CLIENT_IP_HEADER } from "./lib/auth/request-meta";
import { boot } from "./lib/boot";
import { env, oauthAudience, publicUrl } from "./lib/env";
import { log } from "./lib/log";
import { clientFinder } from "./lib/oauth/adapter";
import { clientAuthThrottled, installEndpointGuards } from "./lib/oauth/endpoint-guards";
import { handleTokenRequest, signerFrom, type FastPathDeps, type TokenSigner } from "./lib/oauth/token-fast-path";
import { CONSENT_HEADER, type ConsentSummary } from "./lib/oauth/consent-summary";
import { handleConsent, matchConsentPath } from "./lib/oauth/interactions";
import { createOAuthProvider, OAUTH_PREFIX, OAUTH_ROUTES } from "./lib/oauth/provider";
import { loadPrivateJwks } from "./lib/oauth/signing-keys";

process.env.NEXT_TELEMETRY_DISABLED ??= "1";

const INTERNAL_HEADER_PREFIX = "x-gatehouse-";
const WELL_KNOWN_OIDC = "/.well-known/openid-configuration";
const WELL_KNOWN_OAUTH = "/.well-known/oauth-authorization-server";

async function main() {
  const args = new Set(process.argv.slice(2));
  const dev = args.has("--dev");
  const gatewayOnly = args.has("--gateway") || env().GATEHOUSE_DATA_PLANE_ONLY;
  const e = env();

  const booted = await boot({ log: (m) => log.info(m) });
  const issuer = publicUrl();
  const audience = oauthAudience();
  const dataPlane = await createDataPlane({
    prisma: booted.prisma,
    cacheSize: e.GATEHOUSE_CACHE_SIZE,
    // Other processes' revocations arrive by NOTIFY; the embedded database is single-process.
    listenUrl: booted.embedded ? undefined : booted.databaseUrl,
    oauth: { issuer, audience },
    redisUrl: e.REDIS_URL,
    redisPrefix: e.GATEHOUSE_REDIS_PREFIX,
    ipLimit: parseLimit(e.GATEHOUSE_IP_RATE_LIMIT),
    trustedProxies: e.GATEHOUSE_TRUSTED_PROXIES,
  });
  const dataPlaneRoutes = createDataPlaneRoutes(dataPlane);
  // Gateway mode: paths under a catalog API's basePath are authorized here and proxied to its upstream.
  const gatewayProxy = createGatewayProxy(dataPlane, { timeoutMs: e.GATEHOUSE_UPSTREAM_TIMEOUT_MS });

  let nextHandler: http.RequestListener | undefined;
  let upgradeHandler: ((req: http.IncomingMessage, socket: Duplex, head: Buffer) => void) | undefined;
  let oauth:
    | { callback: http.RequestListener; provider: ReturnType<typeof createOAuthProvider>; signer?: TokenSigner }
    | undefined;
  const findClient = clientFinder(booted.prisma);
  const tokenFastPath: FastPathDeps = {
    issuer,
    audience,
    findClient,
    signer: () => oauth?.signer,
    throttled: clientAuthThrottled,
  };

  if (!gatewayOnly) {
    const { default: next } = await import("next");
    const app = next({ dev, dir: process.cwd(), hostname: "localhost", port: e.PORT });
    await app.prepare();
    nextHandler = app.getRequestHandler() as http.RequestListener;
    upgradeHandler = dev ? (app.getUpgradeHandler() as typeof upgradeHandler) : undefined;

    // The provider's key set is fixed at construction: a key rotation builds a new one.
    const buildProvider = async () => {
      const jwks = await loadPrivateJwks(booted.prisma);
      const provider = createOAuthProvider({
        issuer,
        audience,
        prisma: booted.prisma,
        jwks,
        secret: process.env.GATEHOUSE_SECRET ?? "",
      });
      provider.proxy = issuer.startsWith("https://");
      installEndpointGuards(provider, { verifier: dataPlane.jwt, prisma: booted.prisma });
      provider.on("server_error", (_ctx, err) => log.error({ err }, "oauth server error"));
      oauth = { provider, callback: provider.callback() as http.RequestListener, signer: signerFrom(jwks) };
    };
    await buildProvider();
    credentialEvents().on("change", (c: CredentialChange) => {
      if (c.kind === "signing_keys")
        void buildProvider().then(() => log.info("signing keys rotated: OAuth provider reloaded"));
    });
  }

  const issuerHost = new URL(issuer).host;
  const renderConsent = (req: http.IncomingMessage, res: http.ServerResponse, summary: ConsentSummary) => {
    req.headers[CONSENT_HEADER] = Buffer.from(JSON.stringify(summary)).toString("base64url");
    req.method = "GET";
    req.url = `${OAUTH_PREFIX}/consent/${summary.uid}`;
    void nextHandler?.(req, res);
  };

  const server = http.createServer((req, res) => {
    if (dataPlaneRoutes(req, res)) return;
    if (gatewayProxy(req, res)) return;
    if (!nextHandler || !oauth) {
      res.writeHead(404, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: "not_found", message: "This is a Gatehouse gateway: data-plane paths only.", requestId: "" },
        }),
      );
      return;
    }
    // Internal headers are ours to set: drop anything a client sent under that prefix.
    for (const name of Object.keys(req.headers)) {
      if (name.startsWith(INTERNAL_HEADER_PREFIX)) delete req.headers[name];
    }
    req.headers[CLIENT_IP_HEADER] = req.socket.remoteAddress ?? "";

    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    const consent = matchConsentPath(path);
    if (consent) {
      const deps = {
        provider: () => oauth!.provider,
        prisma: booted.prisma,
        publicOrigin: new URL(issuer).origin,
        renderConsent,
      };
      handleConsent(deps, req, res, consent.uid, consent.confirm).catch((err: unknown) => {
        log.error({ err }, "consent failed");
        if (!res.headersSent) {
          res.writeHead(500, { "content-type": "text/plain" });
          res.end("Authorization failed. Try again.");
        }
      });
      return;
    }
    if (path.startsWith(`${OAUTH_PREFIX}/`) || path === WELL_KNOWN_OIDC || path === WELL_KNOWN_OAUTH) {
      // RFC 8414 metadata is the same document as OpenID discovery.
      if (path === WELL_KNOWN_OAUTH) req.url = WELL_KNOWN_OIDC + (q === -1 ? "" : url.slice(q));
      // URLs in responses are built from the Host: pin it to the issuer's.
      req.headers.host = issuerHost;
      if (path === OAUTH_ROUTES.token && req.method === "POST") {
        const library = oauth.callback;
        handleTokenRequest(tokenFastPath, req, res, library).catch((err: unknown) => {
          log.error({ err }, "token endpoint failed");
          if (!res.headersSent) {
            res.writeHead(500, { "content-type": "application/json", "cache-control": "no-store" });
            res.end(JSON.stringify({ error: "server_error", error_description: "Try again." }));
          }
        });
        return;
      }
      void oauth.callback(req, res);
      return;
    }
    void nextHandler(req, res);
  });
  if (upgradeHandler) server.on("upgrade", upgradeHandler);
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve) => server.listen(e.PORT, e.HOSTNAME, resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  const url = process.env.GATEHOUSE_PUBLIC_URL ? issuer : `http://localhost:${port}`;
  if (gatewayOnly) {
    log.info(
      `Gatehouse gateway (data plane) listening on ${url} — POST /v1/verify, /authz, and proxying the API catalog's ` +
        `base paths to their upstreams (${dataPlane.routes.size} APIs now; reloaded on every catalog change)`,
    );
  } else {
    // A plain line for the person who just ran `npm start`, beside the structured log.
    console.log(`\n  Gatehouse is up on ${url}\n  Create an account: ${url}/sign-up   Sign in: ${url}/sign-in\n`);
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
