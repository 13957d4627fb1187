// Bounded cache of API keys by secret hash, filled from the database on miss.
// Misses are cached briefly too: a flood of well-formed but unknown keys must
// not turn into a flood of queries. Concurrent misses for one hash share a load.
import { LRUCache } from "lru-cache";
import { compilePolicy } from "../policy/compile";
import { readPolicy } from "../schemas/policy";
import type { KeyRecord } from "./types";

export type KeyLoader = (hash: string) => Promise<KeyRecord | null>;

const MISSING = Symbol("missing");
type Entry = KeyRecord | typeof MISSING;

export type KeyStoreOptions = { max?: number; ttlMs?: number; negativeTtlMs?: number };

export class KeyStore {
  private readonly cache: LRUCache<string, Entry>;
  private readonly inflight = new Map<string, Promise<KeyRecord | null>>();
  private readonly negativeTtlMs: number;
  /** Bumped on every eviction so a load that started before it cannot re-insert stale data. */
  private generation = 0;

  constructor(
    private readonly load: KeyLoader,
    opts: KeyStoreOptions = {},
  ) {
    // The TTL is a safety net only: changes evict entries through events.
    this.cache = new LRUCache<string, Entry>({ max: opts.max ?? 100_000, ttl: opts.ttlMs ?? 5 * 60_000 });
    this.negativeTtlMs = opts.negativeTtlMs ?? 10_000;
  }

  /** The cached record, `null` if known missing, `undefined` if not cached. */
  peek(hash: string): KeyRecord | null | undefined {
    const hit = this.cache.get(hash);
    if (hit === undefined) return undefined;
    return hit === MISSING ? null : hit;
  }

  get(hash: string): Promise<KeyRecord | null> {
    const running = this.inflight.get(hash);
    if (running) return running;
    const generation = this.generation;
    const p = this.load(hash)
      .then((record) => {
        if (generation === this.generation) {
          if (record) this.cache.set(hash, record);
          else this.cache.set(hash, MISSING, { ttl: this.negativeTtlMs });
        }
        return record;
      })
      .finally(() => this.inflight.delete(hash));
    this.inflight.set(hash, p);
    return p;
  }

  evict(hash: string): void {
    this.generation++;
    this.cache.delete(hash);
    this.inflight.delete(hash);
  }

  clear(): void {
    this.generation++;
    this.cache.clear();
    this.inflight.clear();
  }

  get size(): number {
    return this.cache.size;
  }
}

/** The columns toKeyRecord reads (a Prisma `select`). */
export const keyRecordSelect = {
  id: true,
  orgId: true,
  scopes: true,
  environment: true,
  expiresAt: true,
  revokedAt: true,
  policy: true,
  remaining: true,
  org: { select: { policy: true, plan: { select: { policy: true } } } },
} as const;

export function toKeyRecord(row: {
  id: string;
  orgId: string;
  scopes: string[];
  environment: "live" | "test";
  expiresAt: Date | null;
  revokedAt: Date | null;
  policy?: unknown;
  remaining?: number | null;
  org?: { policy: unknown; plan: { policy: unknown } | null };
}): KeyRecord {
  return {
    id: row.id,
    orgId: row.orgId,
    scopes: row.scopes,
    scopeSet: new Set(row.scopes),
    environment: row.environment,
    expiresAt: row.expiresAt ? row.expiresAt.getTime() : null,
    revokedAt: row.revokedAt ? row.revokedAt.getTime() : null,
    policy: compilePolicy({
      credential: readPolicy(row.policy),
      credentialLevel: "key",
      org: readPolicy(row.org?.policy),
      plan: row.org?.plan ? readPolicy(row.org.plan.policy) : null,
    }),
    usageCapped: row.remaining !== null && row.remaining !== undefined,
  };
}
