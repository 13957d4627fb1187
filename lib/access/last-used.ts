// lastUsedAt bookkeeping off the request path: at most one write per key per
// interval, batched into one UPDATE every flush.
export class LastUsedTracker {
  private readonly lastMarked = new Map<string, number>();
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (ids: string[], at: Date) => Promise<void>,
    private readonly intervalMs = 60_000,
    private readonly flushEveryMs = 2_000,
  ) {}

  /** Hot path: a Map lookup, nothing else. */
  mark(keyId: string, now: number): void {
    const last = this.lastMarked.get(keyId);
    if (last !== undefined && now - last < this.intervalMs) return;
    this.lastMarked.set(keyId, now);
    this.pending.add(keyId);
    if (!this.timer) {
      this.timer = setTimeout(() => void this.flush(), this.flushEveryMs);
      this.timer.unref();
    }
  }

  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    this.pending = new Set();
    if (this.lastMarked.size > 200_000) this.lastMarked.clear();
    try {
      await this.write(ids, new Date());
    } catch {
      // Best effort: lastUsedAt is informational; the next use will mark it again.
      for (const id of ids) this.lastMarked.delete(id);
    }
  }
}
