// Limiter factory: rate-limiter-flexible (well-kept, atomic, same API for both
// backends) in memory by default, on Redis when REDIS_URL is set so every
// instance shares the counters.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";

type Holder = { __gatehouseRedis?: import("ioredis").Redis; __gatehouseLimiters?: Map<string, RateLimiterAbstract> };
const holder = globalThis as unknown as Holder;

export type LimiterOptions = { name: string; points: number; durationSeconds: number; blockSeconds?: number };

async function redisClient(url: string) {
  if (!holder.__gatehouseRedis) {
    const { Redis } = await import("ioredis");
    holder.__gatehouseRedis = new Redis(url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      lazyConnect: false,
    });
    holder.__gatehouseRedis.on("error", () => {
      /* rate-limiter-flexible falls back to memory via insuranceLimiter; errors are expected while reconnecting */
    });
  }
  return holder.__gatehouseRedis;
}

export async function getLimiter(opts: LimiterOptions): Promise<RateLimiterAbstract> {
  holder.__gatehouseLimiters ??= new Map();
  const existing = holder.__gatehouseLimiters.get(opts.name);
  if (existing) return existing;
  const base = {
    keyPrefix: `gatehouse:${opts.name}`,
    points: opts.points,
    duration: opts.durationSeconds,
    blockDuration: opts.blockSeconds ?? 0,
  };
  const memory = new RateLimiterMemory(base);
  const url = process.env.REDIS_URL;
  const limiter = url
    ? new RateLimiterRedis({ ...base, storeClient: await redisClient(url), insuranceLimiter: memory })
    : memory;
  holder.__gatehouseLimiters.set(opts.name, limiter);
  return limiter;
}

/** Seconds until the limiter lets `key` through again, or 0 if it would now. */
export async function blockedFor(limiter: RateLimiterAbstract, key: string): Promise<number> {
  const res = await limiter.get(key);
  if (res && res.consumedPoints >= limiter.points) return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
  return 0;
}

export async function penalize(limiter: RateLimiterAbstract, key: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (e) {
    if (!(e instanceof RateLimiterRes)) throw e;
  }
}
