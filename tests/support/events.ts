// The credential/policy/catalog change events a test caused: in this process
// (credentialEvents()), and across processes (PostgreSQL NOTIFY). No test
// framework imports here.
import pg from "pg";
import { credentialEvents, NOTIFY_CHANNEL, type CredentialChange } from "../../lib/access/events";

/** Runs `fn`, collecting the change events this process emits meanwhile. */
export async function captureEvents<T>(fn: () => Promise<T>): Promise<{ result: T; events: CredentialChange[] }> {
  const events: CredentialChange[] = [];
  const listener = (c: CredentialChange) => events.push(c);
  credentialEvents().on("change", listener);
  try {
    return { result: await fn(), events };
  } finally {
    credentialEvents().off("change", listener);
  }
}

/** LISTENs on the change channel over a connection of its own: what other processes would receive. */
export async function listenForChanges(
  connectionString: string,
): Promise<{ received: CredentialChange[]; end: () => Promise<void> }> {
  const listener = new pg.Client({ connectionString });
  await listener.connect();
  const received: CredentialChange[] = [];
  listener.on("notification", (n) => {
    if (n.channel === NOTIFY_CHANNEL && n.payload) received.push(JSON.parse(n.payload) as CredentialChange);
  });
  await listener.query(`LISTEN ${NOTIFY_CHANNEL}`);
  return { received, end: () => listener.end() };
}
