// Data-plane answers are written in batches: a decision is made at once, and
// its answer is queued and written, with every other answer decided in the
// same event-loop turn, when the turn's I/O callbacks are done (setImmediate
// runs right after the poll phase). Gateway mode's proxied answers go the same
// way: what arrived from the upstream in a turn is written at its end. So do
// the OAuth token endpoint's fast path answers (lib/oauth/token-fast-path.ts).
//
// Why: after node:http's own JavaScript, the largest per-call cost here is the
// kernel's. Each write to a loopback or LAN socket runs the receiver's TCP
// path and wakes its reader, with an inter-processor interrupt when that
// reader sleeps. Written one by one, each answer wakes the caller (NGINX, a
// service, a load generator) on its own, and the caller's next requests come
// back one at a time. Written together, one wake-up serves the batch, the
// callers' next requests arrive together too, and each turn of both loops
// does more work per system call. Measured on bench/bare-server.mjs, the same
// answers written this way: 1.34–1.46× the calls per second (bench/README.md,
// session 7); bench:verify keeps such a server as a reference row.
//
// Latency: an answer waits at most for the rest of its turn's callbacks (the
// other calls that arrived with it); under light load a turn holds one call
// and the wait is one setImmediate. Order per connection is unchanged (HTTP/1.1
// answers one request at a time; node queues pipelined answers in order).
import type { ServerResponse } from "node:http";

/** Something with writes held until the end of the turn. */
export interface HeldWrites {
  /** Writes what is held. Must not throw for a response that is gone; a throw destroys `res`. */
  flushWrites(): void;
  readonly res: ServerResponse;
}

let queue: HeldWrites[] = [];
let flushing = false;

function flush(): void {
  flushing = true;
  // What a flushWrites() holds in turn (a /v1/verify body read here, then
  // answered) joins this flush instead of waiting for the next turn.
  while (queue.length > 0) {
    const batch = queue;
    queue = [];
    for (const held of batch) {
      try {
        held.flushWrites();
      } catch {
        held.res.destroy();
      }
    }
  }
  flushing = false;
}

/** Calls `held.flushWrites()` at the end of this event-loop turn (once per call of this). */
export function writeAtEndOfTurn(held: HeldWrites): void {
  if (queue.push(held) === 1 && !flushing) setImmediate(flush);
}

class Answer implements HeldWrites {
  constructor(
    readonly res: ServerResponse,
    private readonly status: number,
    private readonly head: string[],
    private readonly body: string | undefined,
  ) {}

  flushWrites(): void {
    // Something else answered meanwhile (an error path), or the caller left: nothing to write.
    if (this.res.headersSent || this.res.destroyed) return;
    this.res.writeHead(this.status, this.head);
    this.res.end(this.body);
  }
}

/** Writes `status`, the raw header list `head` and `body` at the end of this event-loop turn. */
export function answerLater(res: ServerResponse, status: number, head: string[], body?: string): void {
  writeAtEndOfTurn(new Answer(res, status, head, body));
}
