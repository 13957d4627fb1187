import http, { type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { answerLater } from "../../lib/access/write-batch";

/** A stand-in response that records what was written to it, in one shared log. */
function fakeResponse(name: string, log: string[], opts: { headersSent?: boolean; throws?: boolean } = {}) {
  const res = {
    headersSent: opts.headersSent ?? false,
    destroyed: false,
    writeHead(status: number, head: string[]) {
      if (opts.throws) throw new Error("invalid header");
      log.push(`${name} head ${status} ${head.join(",")}`);
      res.headersSent = true;
    },
    end(body?: string) {
      log.push(`${name} end ${body ?? "-"}`);
    },
    destroy() {
      res.destroyed = true;
      log.push(`${name} destroyed`);
    },
  };
  return res;
}

const asResponse = (r: ReturnType<typeof fakeResponse>) => r as unknown as ServerResponse;
const nextTurn = () => new Promise((r) => setImmediate(r));

describe("answerLater (data-plane answers written once per event-loop turn)", () => {
  it("writes nothing during the turn, then every queued answer in order", async () => {
    const log: string[] = [];
    answerLater(asResponse(fakeResponse("a", log)), 200, ["x-gatehouse-decision", "VALID"]);
    answerLater(asResponse(fakeResponse("b", log)), 429, ["retry-after", "1"], '{"error":{}}');
    await Promise.resolve(); // microtasks of the same turn: still queued
    expect(log).toEqual([]);
    await nextTurn();
    expect(log).toEqual([
      "a head 200 x-gatehouse-decision,VALID",
      "a end -",
      "b head 429 retry-after,1",
      'b end {"error":{}}',
    ]);
  });

  it("skips a response already answered or gone, and one bad answer does not stop the others", async () => {
    const log: string[] = [];
    const gone = fakeResponse("gone", log);
    gone.destroyed = true;
    answerLater(asResponse(fakeResponse("answered", log, { headersSent: true })), 200, []);
    answerLater(asResponse(gone), 200, []);
    answerLater(asResponse(fakeResponse("bad", log, { throws: true })), 200, []);
    answerLater(asResponse(fakeResponse("ok", log)), 200, ["a", "b"]);
    await nextTurn();
    expect(log).toEqual(["bad destroyed", "ok head 200 a,b", "ok end -"]);
  });

  it("answers arrive whole over real sockets", async () => {
    const decided: number[] = [];
    const server = http.createServer((req, res) => {
      const n = Number(req.url!.slice(1));
      decided.push(n);
      const body = JSON.stringify({ n });
      answerLater(res, 200, ["content-type", "application/json", "content-length", String(body.length)], body);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const answers = await Promise.all(
        [1, 2, 3, 4].map(async (n) => {
          const res = await fetch(`http://127.0.0.1:${port}/${n}`);
          return { status: res.status, type: res.headers.get("content-type"), body: await res.json() };
        }),
      );
      expect(answers).toEqual([1, 2, 3, 4].map((n) => ({ status: 200, type: "application/json", body: { n } })));
      expect(decided.sort()).toEqual([1, 2, 3, 4]);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
