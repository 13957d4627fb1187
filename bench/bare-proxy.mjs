// The ceiling for a reverse proxy on the same client as gateway mode (undici):
// forwards every request to UPSTREAM_PORT over a keep-alive undici Agent,
// copying headers and streaming bodies, with no authorization and no header
// rewriting beyond Host and hop-by-hop. bench/gateway.ts measures it beside
// Gatehouse's gateway mode, so the cost of proxying in Node at all and
// Gatehouse's own share can be told apart.
// Usage: PORT=0 UPSTREAM_PORT=8080 node bench/bare-proxy.mjs
import http from "node:http";
import { Agent } from "undici";

const upstreamPort = Number(process.env.UPSTREAM_PORT);
const origin = `http://127.0.0.1:${upstreamPort}`;
const agent = new Agent({ keepAliveTimeout: 4_000 });
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host", "expect"]);

class Pass {
  constructor(res) {
    this.res = res;
  }
  onRequestStart() {}
  onResponseStart(controller, status) {
    const out = [];
    const raw = controller.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const name = raw[i].toString("latin1");
      if (!HOP.has(name.toLowerCase())) out.push(name, raw[i + 1].toString("latin1"));
    }
    this.res.writeHead(status, out);
  }
  onResponseData(controller, chunk) {
    if (!this.res.write(chunk)) {
      controller.pause();
      this.res.once("drain", () => controller.resume());
    }
  }
  onResponseEnd() {
    this.res.end();
  }
  onResponseError() {
    if (!this.res.headersSent) this.res.writeHead(502);
    this.res.end();
  }
}

const server = http.createServer((req, res) => {
  const headers = [];
  for (const name in req.headers) if (!HOP.has(name)) headers.push(name, req.headers[name]);
  headers.push("host", `127.0.0.1:${upstreamPort}`);
  const withBody = req.headers["content-length"] || req.headers["transfer-encoding"];
  agent.dispatch({ origin, method: req.method, path: req.url, headers, body: withBody ? req : null }, new Pass(res));
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOSTNAME ?? "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
