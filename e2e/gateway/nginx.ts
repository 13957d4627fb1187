// NGINX for the gateway e2e: a real nginx running the documented configuration
// (docs/gateways/nginx.conf) in front of a tiny echo upstream. The spec renders
// the documented file with this run's addresses, so the docs are what we test.
import net from "node:net";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { TestInfo } from "@playwright/test";
import { freePort } from "../../lib/free-port";

export const DOC_CONF = path.resolve(import.meta.dirname, "../../docs/gateways/nginx.conf");

/** nginx on PATH (or NGINX_BIN), else null. */
export function findNginx(): string | null {
  if (process.env.NGINX_BIN) return process.env.NGINX_BIN;
  const r = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** findNginx() for a spec file; when missing, a loud warning (`what` is skipped), or an error with CI set. */
export function findNginxOrWarn(what: string): string | null {
  const bin = findNginx();
  if (!bin) {
    const line = `${what} SKIPPED: nginx is not on PATH (apt-get install nginx, or set NGINX_BIN)`;
    if (process.env.CI) throw new Error(`${line} — not allowed with CI set`);
    console.warn(`\n⚠⚠⚠ ${line} ⚠⚠⚠\n`);
  }
  return bin;
}

/** What the upstream saw: the identity headers NGINX added, and the request itself. */
export type Echo = {
  method: string;
  path: string;
  keyId: string | null;
  orgId: string | null;
  scopes: string | null;
  environment: string | null;
  clientId: string | null;
  subject: string | null;
  authorization: string | null;
  apiKey: string | null;
  bodyBytes: number;
};

export type Upstream = { port: number; close: () => Promise<void> };

/** A node:http upstream answering 200 JSON echoing the X-Gatehouse-* headers it received. */
export async function startUpstream(): Promise<Upstream> {
  const header = (req: http.IncomingMessage, name: string) => {
    const v = req.headers[name];
    return typeof v === "string" ? v : null;
  };
  const server = http.createServer((req, res) => {
    let bodyBytes = 0;
    req.on("data", (c: Buffer) => (bodyBytes += c.length));
    req.on("end", () => {
      const echo: Echo = {
        method: req.method ?? "",
        path: req.url ?? "",
        keyId: header(req, "x-gatehouse-key-id"),
        orgId: header(req, "x-gatehouse-org-id"),
        scopes: header(req, "x-gatehouse-scopes"),
        environment: header(req, "x-gatehouse-environment"),
        clientId: header(req, "x-gatehouse-client-id"),
        subject: header(req, "x-gatehouse-subject"),
        authorization: header(req, "authorization"),
        apiKey: header(req, "x-api-key"),
        bodyBytes,
      };
      const text = JSON.stringify({ upstream: true, ...echo });
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export type NginxAddresses = {
  /** host:port of Gatehouse (its /authz). */
  gatehouse: string;
  /** host:port of the protected API. */
  upstream: string;
  /** port NGINX listens on (127.0.0.1). */
  listen: number;
  /** directory for nginx's temp files and logs. */
  dir: string;
  /** basePath of the catalog API the documented `location /petstore/` stands for (default /petstore). */
  catalogBasePath?: string;
};

function replaceOnce(text: string, from: string, to: string): string {
  const parts = text.split(from);
  if (parts.length !== 2) {
    throw new Error(
      `${DOC_CONF}: expected "${from}" exactly once (found ${parts.length - 1}). ` +
        "The e2e renders the documented config by substituting these lines; update e2e/gateway/nginx.ts with the doc.",
    );
  }
  return parts.join(to);
}

/** docs/gateways/nginx.conf with this run's addresses, and temp files/logs kept inside `dir`. */
export function renderNginxConf(a: NginxAddresses, template = readFileSync(DOC_CONF, "utf8")): string {
  let conf = template;
  conf = replaceOnce(conf, "server 127.0.0.1:3000;", `server ${a.gatehouse};`);
  conf = replaceOnce(conf, "server 127.0.0.1:8080;", `server ${a.upstream};`);
  conf = replaceOnce(conf, "listen 8000;", `listen 127.0.0.1:${a.listen};`);
  conf = replaceOnce(conf, "worker_processes auto;", "worker_processes 1;");
  if (a.catalogBasePath) conf = replaceOnce(conf, "location /petstore/ {", `location ${a.catalogBasePath}/ {`);
  const d = a.dir;
  conf = replaceOnce(
    conf,
    "\nhttp {\n",
    [
      "",
      "http {",
      `    access_log ${d}/access.log;`,
      `    client_body_temp_path ${d}/client_body;`,
      `    proxy_temp_path ${d}/proxy;`,
      `    fastcgi_temp_path ${d}/fastcgi;`,
      `    uwsgi_temp_path ${d}/uwsgi;`,
      `    scgi_temp_path ${d}/scgi;`,
      "",
    ].join("\n"),
  );
  // Process-level settings the documented file leaves to the system's defaults.
  const main = [`pid ${d}/nginx.pid;`, `error_log ${d}/error.log warn;`];
  // As root, nginx would drop workers to `nobody`, who cannot enter our private temp dir.
  if (process.getuid?.() === 0) main.push("user root;");
  return `${main.join("\n")}\n${conf}`;
}

export type Nginx = { port: number; stop: () => Promise<void>; errorLog: () => Promise<string> };

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

/** Starts `nginx -p dir -c dir/nginx.conf -g 'daemon off;'` and waits until its port answers. */
export async function startNginx(bin: string, dir: string, port: number, timeoutMs = 15_000): Promise<Nginx> {
  const confPath = path.join(dir, "nginx.conf");
  const errorLogPath = path.join(dir, "error.log");
  const errorLog = () => readFile(errorLogPath, "utf8").catch(() => "");
  let output = "";
  const child: ChildProcess = spawn(bin, ["-p", dir, "-e", errorLogPath, "-c", confPath, "-g", "daemon off;"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => (output += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (output += c.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM"); // fast shutdown of master and workers
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    }
  };

  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `nginx exited (${child.exitCode ?? child.signalCode}) before listening:\n${output}\n${await errorLog()}`,
      );
    }
    if (await canConnect(port)) return { port, stop, errorLog };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms:\n${output}\n${await errorLog()}`);
}

export type DocumentedNginx = Nginx & { url: string };

/**
 * nginx running docs/gateways/nginx.conf for these addresses on a free port,
 * its config, temp files and logs in a new temp dir (`dirPrefix`), which
 * `stop` removes.
 */
export async function startDocumentedNginx(
  bin: string,
  addresses: Omit<NginxAddresses, "listen" | "dir">,
  dirPrefix = "gatehouse-nginx-",
): Promise<DocumentedNginx> {
  const dir = await mkdtemp(path.join(os.tmpdir(), dirPrefix));
  const removeDir = () => rm(dir, { recursive: true, force: true });
  try {
    const listen = await freePort();
    await writeFile(path.join(dir, "nginx.conf"), renderNginxConf({ ...addresses, listen, dir }));
    const nginx = await startNginx(bin, dir, listen);
    const stop = async () => {
      await nginx.stop();
      await removeDir();
    };
    return { ...nginx, stop, url: `http://127.0.0.1:${listen}` };
  } catch (err) {
    await removeDir();
    throw err;
  }
}

/** For `test.afterEach`: a failed test gets nginx's error.log attached. */
export async function attachErrorLogOnFailure(nginx: Nginx | undefined, testInfo: TestInfo): Promise<void> {
  if (testInfo.status !== testInfo.expectedStatus && nginx) {
    await testInfo.attach("nginx error.log", { body: await nginx.errorLog(), contentType: "text/plain" });
  }
}
