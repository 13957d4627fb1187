// Shared by the gateway tests (tests/integration/proxy.test.ts) and e2e
// (e2e/gateway/catalog.ts, proxy.spec.ts): what a test upstream received, and a
// large upload whose SHA-256 the upstream's answer is checked against. No test
// framework imports here: Vitest and Playwright both load this file.
import { createHash, randomBytes } from "node:crypto";
import type http from "node:http";
import { Readable } from "node:stream";

/** What the test upstream received. */
export type Seen = {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  bodyBytes: number;
  sha256: string;
};

/** Reads the request body to its end, then calls `done` with what was received (body size and SHA-256). */
export function receive(req: http.IncomingMessage, done: (seen: Seen) => void): void {
  const hash = createHash("sha256");
  let bodyBytes = 0;
  req.on("data", (c: Buffer) => {
    bodyBytes += c.length;
    hash.update(c);
  });
  req.on("end", () =>
    done({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, bodyBytes, sha256: hash.digest("hex") }),
  );
}

/** Answers 200 JSON echoing `seen`, marked `x-upstream: yes`. */
export function echoSeen(res: http.ServerResponse, seen: Seen): void {
  const text = JSON.stringify(seen);
  res.writeHead(200, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "x-upstream": "yes",
  });
  res.end(text);
}

/** A stream of `size` bytes (one random chunk of `chunkSize` repeated) and, once it is read to the end, its SHA-256. */
export function randomUpload(size: number, chunkSize: number): { body: Readable; sha256: () => string } {
  const chunk = randomBytes(chunkSize);
  const hash = createHash("sha256");
  let sent = 0;
  const body = new Readable({
    read() {
      if (sent >= size) return void this.push(null);
      sent += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { body, sha256: () => hash.digest("hex") };
}
