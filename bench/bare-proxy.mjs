// The ceiling for any reverse proxy on node:http: forwards every request to
// UPSTREAM_PORT with a keep-alive Agent, copying headers and streaming bodies,
// with no authorization and no header rewriting beyond Host and hop-by-hop.
// bench/gateway.ts measures it beside Gatehouse's gateway mode, so the cost of
// proxying in Node at all and Gatehouse's own share can be told apart.
// Usage: PORT=0 UPSTREAM_PORT=8080 node bench/bare-proxy.mjs
import http from "node:http";

const upstreamPort = Number(process.env.UPSTREAM_PORT);
const agent = new http.Agent({ keepAlive: true, scheduling: "lifo" });
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "host"]);

const server = http.createServer((req, res) => {
  const headers = [];
  for (const name in req.headers) if (!HOP.has(name)) headers.push(name, req.headers[name]);
  headers.push("host", `127.0.0.1:${upstreamPort}`);
  const up = http.request(
    { agent, hostname: "127.0.0.1", port: upstreamPort, method: req.method, path: req.url, headers, setHost: false },
    (upRes) => {
      const out = [];
      const raw = upRes.rawHeaders;
      for (let i = 0; i < raw.length; i += 2) if (!HOP.has(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
      res.writeHead(upRes.statusCode, out);
      upRes.pipe(res);
    },
  );
  up.on("error", () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  if (req.headers["content-length"] || req.headers["transfer-encoding"]) req.pipe(up);
  else up.end();
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOSTNAME ?? "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
