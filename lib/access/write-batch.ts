// Data-plane answers are written in batches: a decision is made at once, and
// its answer is queued and written, with every other answer decided in the
// same event-loop turn, when the turn's I/O callbacks are done (setImmediate
// runs right after the poll phase). Why: on this kind of machine the largest
// per-call cost after node:http's own JS is the kernel's — each write to a
// loopback or LAN socket runs the receiver's TCP path and wakes its reader
// (an inter-processor interrupt when that reader sleeps). Written one by one,
// each answer wakes the caller (NGINX, a service, the load generator) on its
// own and the caller answers back with one request at a time; written
// together, one wake-up serves the batch and the callers' next requests
// arrive together too, so each turn of both loops does more work per
// system call. Measured on a bare node:http server (bench/README.md, session
// 7): 1.34–1.46× the calls per second with the same answers written this way.
//
// Latency: an answer waits at most for the rest of its turn's callbacks (the
// other calls that arrived with it); under light load a turn holds one call
// and the wait is one setImmediate. Order per connection is unchanged (HTTP/1.1
// answers one request at a time; node queues pipelined answers in order).
import type { ServerResponse } from "node:http";

type Queued = { res: ServerResponse; status: number; head: string[]; body: string | undefined };

let queue: Queued[] = [];

function flush(): void {
  const batch = queue;
  queue = [];
  for (const a of batch) {
    // Something else answered meanwhile (an error path), or the caller left: nothing to write.
    if (a.res.headersSent || a.res.destroyed) continue;
    try {
      a.res.writeHead(a.status, a.head);
      a.res.end(a.body);
    } catch {
      a.res.destroy();
    }
  }
}

/** Writes `status`, the raw header list `head` and `body` at the end of this event-loop turn. */
export function answerLater(res: ServerResponse, status: number, head: string[], body?: string): void {
  if (queue.push({ res, status, head, body }) === 1) setImmediate(flush);
}
