// Usage-capped keys: `remaining` is decremented by one atomic UPDATE per
// allowed call (row lock; concurrent calls on other processes serialize on
// it), refilled in the same statement when its day/month has turned (UTC).
import type { PrismaClient } from "../generated/prisma/client";

const DUE = `(refill IS NOT NULL AND (refilled_at IS NULL OR refilled_at < date_trunc(CASE refill->>'interval' WHEN 'daily' THEN 'day' ELSE 'month' END, now() AT TIME ZONE 'UTC')))`;

export type UsageResult = { allowed: boolean; remaining: number | null };

export class UsageCaps {
  constructor(private readonly prisma: PrismaClient) {}

  /** Takes one use; `allowed: false` when none is left (and no refill is due). */
  async take(keyId: string): Promise<UsageResult> {
    const rows = await this.prisma.$queryRawUnsafe<{ remaining: number }[]>(
      `UPDATE api_keys SET
         remaining = CASE WHEN ${DUE} THEN (refill->>'amount')::int - 1 ELSE remaining - 1 END,
         refilled_at = CASE WHEN ${DUE} THEN now() AT TIME ZONE 'UTC' ELSE refilled_at END
       WHERE id = $1 AND remaining IS NOT NULL AND (remaining > 0 OR ${DUE})
       RETURNING remaining`,
      keyId,
    );
    if (rows.length > 0) return { allowed: true, remaining: rows[0].remaining };
    return { allowed: false, remaining: (await this.peek(keyId)).remaining };
  }

  /** What take() would answer, without taking (the simulator). */
  async peek(keyId: string): Promise<UsageResult> {
    const rows = await this.prisma.$queryRawUnsafe<{ remaining: number | null; due: boolean }[]>(
      `SELECT remaining, ${DUE} AS due FROM api_keys WHERE id = $1`,
      keyId,
    );
    const row = rows[0];
    if (!row || row.remaining === null) return { allowed: true, remaining: null };
    return { allowed: row.due || row.remaining > 0, remaining: row.remaining };
  }
}
