// The ceiling for any data-plane endpoint: plain node:http answering 200 {"ok":true}.
// Usage: PORT=0 node bench/bare-server.mjs  (prints `listening <port>` when ready)
import http from "node:http";

const BODY = '{"ok":true}';
const HEADERS = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(BODY) };

const server = http.createServer((req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOSTNAME ?? "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
