// Credential-change events: revoking or changing a credential evicts it from
// every data-plane cache. In one process this is an EventEmitter on globalThis
// (server.ts and Next's bundle load separate module copies). On a real
// PostgreSQL the same event also goes out as NOTIFY inside the change's
// transaction (delivered on commit), for data planes in other processes.
import { EventEmitter } from "node:events";
import type { Tx } from "../db";

export const NOTIFY_CHANNEL = "gatehouse_credentials";

export type CredentialChange =
  | { kind: "api_key"; hash: string }
  | { kind: "oauth_revocation"; revocation: "grant" | "client" | "jti"; value: string; expiresAt: number }
  | { kind: "oauth_client"; clientId: string }
  | { kind: "signing_keys" }
  /** A policy of an organization, plan or OAuth client changed: cached records that merged it are dropped. */
  | { kind: "policy"; orgId?: string; clientId?: string }
  /** The API catalog (APIs, route rules) changed: route tables reload. */
  | { kind: "catalog" };

type Holder = { __gatehouseEvents?: EventEmitter };
const holder = globalThis as unknown as Holder;

export function credentialEvents(): EventEmitter {
  holder.__gatehouseEvents ??= new EventEmitter().setMaxListeners(100);
  return holder.__gatehouseEvents;
}

/** Call inside the transaction that changes the credential. */
export async function notifyCredentialChange(tx: Tx, change: CredentialChange): Promise<void> {
  if (process.env.GATEHOUSE_EMBEDDED !== "1") {
    await tx.$executeRaw`SELECT pg_notify(${NOTIFY_CHANNEL}, ${JSON.stringify(change)})`;
  }
}

/** Call after the transaction committed: evicts caches in this process. */
export function emitCredentialChange(change: CredentialChange): void {
  credentialEvents().emit("change", change);
}
