// Every environment variable Gatehouse reads, parsed and documented once.
// README.md's configuration table mirrors this file.
import { z } from "zod";

const bool = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .optional()
  .transform((v) => v === "1" || v === "true" || v === "yes");

const envSchema = z.object({
  /** production | development | test. `npm start` runs production. */
  NODE_ENV: z.enum(["production", "development", "test"]).default("development"),
  /** Port the single server (portal + data plane + OAuth) listens on. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Interface to bind. */
  HOSTNAME: z.string().default("0.0.0.0"),
  /** PostgreSQL URL. Unset → an embedded PostgreSQL (PGlite) under GATEHOUSE_DATA_DIR. */
  DATABASE_URL: z.string().url().optional(),
  /** Redis URL for shared rate limits across instances. Unset → in-memory limits. */
  REDIS_URL: z.string().url().optional(),
  /** Public base URL of this Gatehouse (links, OAuth issuer, next-auth callbacks). */
  GATEHOUSE_PUBLIC_URL: z.string().url().optional(),
  /** next-auth's own names; derived from GATEHOUSE_PUBLIC_URL / GATEHOUSE_SECRET when unset. */
  NEXTAUTH_URL: z.string().url().optional(),
  NEXTAUTH_SECRET: z.string().min(32).optional(),
  /** Root secret (≥32 chars): session signing and future encryption keys are derived from it. */
  GATEHOUSE_SECRET: z.string().min(32, "GATEHOUSE_SECRET must be at least 32 characters").optional(),
  /** Where the embedded database and the generated development secret live. */
  GATEHOUSE_DATA_DIR: z.string().default(".gatehouse"),
  /** First platform admin, created (idempotently) at start when both are set. */
  GATEHOUSE_ADMIN_EMAIL: z.string().email().optional(),
  GATEHOUSE_ADMIN_PASSWORD: z.string().min(12, "GATEHOUSE_ADMIN_PASSWORD must be at least 12 characters").optional(),
  /** GitHub sign-in is offered when both are set. */
  GITHUB_ID: z.string().optional(),
  GITHUB_SECRET: z.string().optional(),
  /** GitHub's web host: the OAuth authorize page and token exchange (`/login/oauth/…`). `https://HOST` on GitHub Enterprise Server. */
  GITHUB_URL: z.string().url().default("https://github.com"),
  /** GitHub's REST API base: `/user` and `/user/emails`. `https://HOST/api/v3` on GitHub Enterprise Server. */
  GITHUB_API_URL: z.string().url().default("https://api.github.com"),
  /** Audience (RFC 8707 resource) of OAuth access tokens. Default: `${GATEHOUSE_PUBLIC_URL}/api`. */
  GATEHOUSE_OAUTH_AUDIENCE: z.string().url().optional(),
  /** Entries in the data plane's in-memory credential cache. */
  GATEHOUSE_CACHE_SIZE: z.coerce.number().int().min(100).default(100_000),
  /** pino log level. */
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /**
   * Proxies whose X-Forwarded-For the data plane believes (comma-separated IPs/CIDRs, or proxy-addr's
   * names loopback, linklocal, uniquelocal). Unset → the socket address is the client IP.
   */
  GATEHOUSE_TRUSTED_PROXIES: z.string().optional(),
  /** Per-IP limit for unauthenticated calls and failed credential checks, as `limit/windowSeconds`. */
  GATEHOUSE_IP_RATE_LIMIT: z
    .string()
    .regex(/^\d+\/\d+$/, "use limit/windowSeconds, e.g. 600/60")
    .default("600/60"),
  /** Prefix of every Redis key Gatehouse writes (several deployments or test runs can share one Redis). */
  GATEHOUSE_REDIS_PREFIX: z.string().min(1).default("gatehouse"),
  /** Gateway mode: how long an upstream may take to answer before the gateway returns 504. */
  GATEHOUSE_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(1).default(30_000),
  /** Serve the data plane only (no portal) — what `npm run gateway` sets. */
  GATEHOUSE_DATA_PLANE_ONLY: bool,
});

export type Env = z.infer<typeof envSchema>;

let cached: Env | undefined;

/** Parse process.env once; a bad value fails with one clear line naming the variable. */
export function env(): Env {
  if (cached) return cached;
  // An empty variable means "unset" (e.g. `DATABASE_URL= npm start`).
  const raw = Object.fromEntries(Object.entries(process.env).filter(([, v]) => v !== ""));
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid configuration: ${issue.path.join(".")}: ${issue.message}`);
  }
  cached = parsed.data;
  return cached;
}

/** Tests change process.env between cases. */
export function resetEnvForTests(): void {
  cached = undefined;
}

export function oauthAudience(): string {
  return env().GATEHOUSE_OAUTH_AUDIENCE ?? `${publicUrl()}/api`;
}

export function publicUrl(): string {
  const e = env();
  return (e.GATEHOUSE_PUBLIC_URL ?? e.NEXTAUTH_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, "");
}
