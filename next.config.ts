import type { NextConfig } from "next";

const nextConfig: NextConfig = {
  // Native/WASM and Node-only packages stay outside the bundle.
  serverExternalPackages: [
    "pg",
    "@prisma/adapter-pg",
    "@electric-sql/pglite",
    "@electric-sql/pglite-socket",
    "@node-rs/argon2",
    "pino",
    "rate-limiter-flexible",
    "ioredis",
  ],
  poweredByHeader: false,
  typedRoutes: false,
};

export default nextConfig;
