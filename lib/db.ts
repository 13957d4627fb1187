// Prisma client singleton over @prisma/adapter-pg — the same path for the
// embedded PostgreSQL (PGlite over a loopback socket) and a real server.
//
// The instance lives on globalThis: server.ts (run by tsx) and Next's bundled
// server code load separate copies of this module in one process, and the
// embedded database accepts exactly one connection, so they must share it.
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;
/** A Prisma client or an interactive-transaction client: domain functions take this. */
export type Tx = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$extends">;

type Holder = { __gatehousePrisma?: PrismaClient };
const holder = globalThis as unknown as Holder;

export function createPrisma(url: string, max = Number(process.env.GATEHOUSE_DB_POOL_MAX ?? 10)): PrismaClient {
  const adapter = new PrismaPg({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  return new PrismaClient({ adapter });
}

function getPrisma(): PrismaClient {
  if (!holder.__gatehousePrisma) {
    const url = process.env.DATABASE_URL;
    if (!url) {
      throw new Error("DATABASE_URL is not set: start Gatehouse with `npm start` (it starts the embedded database).");
    }
    holder.__gatehousePrisma = createPrisma(url);
  }
  return holder.__gatehousePrisma;
}

/** Replace the shared client (tests and server start-up). */
export function setPrisma(client: PrismaClient | undefined): void {
  holder.__gatehousePrisma = client;
}

/** Lazily created so importing this module never needs a database (e.g. during `next build`). */
export const prisma: PrismaClient = new Proxy({} as PrismaClient, {
  get(_target, prop) {
    const client = getPrisma();
    const value = Reflect.get(client, prop, client) as unknown;
    return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(client) : value;
  },
});
