// The ceiling for any data-plane endpoint: plain node:http answering 200 {"ok":true}.
// Usage: PORT=0 node bench/bare-server.mjs  (prints `listening <port>` when ready)
// BARE_READ_BODY=1: also read each request body and JSON.parse it when it is
// JSON (what any JSON endpoint must do at least), before answering the same.
// BARE_BATCH_WRITES=1: write the answers the way Gatehouse's data plane does
// (lib/access/write-batch.ts: queued, then written together once the event
// loop's turn is over): the reference for what the data plane itself costs.
import http from "node:http";

const BODY = '{"ok":true}';
const HEADERS = { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(BODY) };

const answer = (req, res) => {
  res.writeHead(200, HEADERS);
  res.end(BODY);
};

const readBody = (req, res) => {
  if (req.method !== "POST") return answer(req, res);
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const text = Buffer.concat(chunks).toString("utf8");
    if (/json/.test(req.headers["content-type"] ?? "")) JSON.parse(text);
    answer(req, res);
  });
};

let queue = [];
const flush = () => {
  const batch = queue;
  queue = [];
  for (const res of batch) answer(null, res);
};
const answerBatched = (req, res) => {
  if (queue.push(res) === 1) setImmediate(flush);
};

const server = http.createServer(
  process.env.BARE_READ_BODY === "1" ? readBody : process.env.BARE_BATCH_WRITES === "1" ? answerBatched : answer,
);
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), process.env.HOSTNAME ?? "127.0.0.1", () => {
  console.log(`listening ${server.address().port}`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(0));
