import { describe, expect, it } from "vitest";
import { LastUsedTracker } from "../../lib/access/last-used";

describe("lastUsedAt throttling", () => {
  it("writes each key at most once per interval, batched", async () => {
    const writes: string[][] = [];
    const t = new LastUsedTracker(async (ids) => void writes.push(ids), 60_000, 10_000);
    t.mark("a", 0);
    t.mark("a", 1_000);
    t.mark("b", 2_000);
    await t.flush();
    expect(writes).toEqual([["a", "b"]]);
    t.mark("a", 30_000); // within the minute: no write
    await t.flush();
    expect(writes).toHaveLength(1);
    t.mark("a", 61_000);
    await t.flush();
    expect(writes).toEqual([["a", "b"], ["a"]]);
  });
});
