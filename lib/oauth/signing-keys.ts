// Token-signing keys (ES256) live in the database; the private JWK is sealed
// with AES-256-GCM under a key derived from GATEHOUSE_SECRET. Rotation keeps
// the retired key in the JWKS until every token it signed has expired, so
// rotation never breaks a token in flight.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from "jose";
import type { Tx } from "../db";
import { deriveSecret } from "../secrets";
import { MAX_ACCESS_TOKEN_TTL_SECONDS } from "./revocation";

export const SIGNING_ALG = "ES256";

function sealingKey(): Buffer {
  const root = process.env.GATEHOUSE_SECRET;
  if (!root) throw new Error("GATEHOUSE_SECRET is not set");
  return Buffer.from(deriveSecret(root, "signing-keys"), "base64url");
}

export function seal(plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", sealingKey(), iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64url");
}

export function unseal(sealed: string): string {
  const raw = Buffer.from(sealed, "base64url");
  const decipher = createDecipheriv("aes-256-gcm", sealingKey(), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
}

async function newKey(tx: Tx): Promise<string> {
  const { privateKey, publicKey } = await generateKeyPair(SIGNING_ALG, { extractable: true });
  const priv = await exportJWK(privateKey);
  const pub = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(pub);
  const meta = { kid, alg: SIGNING_ALG, use: "sig" };
  await tx.signingKey.create({
    data: {
      kid,
      alg: SIGNING_ALG,
      publicJwk: { ...pub, ...meta },
      privateJwkEncrypted: seal(JSON.stringify({ ...priv, ...meta })),
    },
  });
  return kid;
}

/** Keys still worth publishing: active ones, and retired ones whose tokens may not have expired yet. */
function publishedWhere() {
  const cutoff = new Date(Date.now() - MAX_ACCESS_TOKEN_TTL_SECONDS * 1000 - 60_000);
  return { OR: [{ retiredAt: null }, { retiredAt: { gt: cutoff } }] };
}

/** Creates the first key when there is none (idempotent start-up step). */
export async function ensureSigningKey(db: Tx): Promise<void> {
  if ((await db.signingKey.count({ where: { retiredAt: null } })) === 0) await newKey(db);
}

/** Private JWKS for oidc-provider: the newest active key first (it signs), then the others (verify only). */
export async function loadPrivateJwks(db: Tx): Promise<{ keys: JWK[] }> {
  const rows = await db.signingKey.findMany({
    where: publishedWhere(),
    orderBy: [{ retiredAt: { sort: "desc", nulls: "first" } }, { createdAt: "desc" }],
  });
  return { keys: rows.map((r) => JSON.parse(unseal(r.privateJwkEncrypted)) as JWK) };
}

/** Public keys the data plane verifies against. */
export async function loadPublicJwks(db: Tx): Promise<JWK[]> {
  const rows = await db.signingKey.findMany({ where: publishedWhere(), select: { publicJwk: true } });
  return rows.map((r) => r.publicJwk as unknown as JWK);
}

/** Retire the active key(s) and create a new signing key. Returns the new kid. */
export async function rotateSigningKey(tx: Tx): Promise<string> {
  await tx.signingKey.updateMany({ where: { retiredAt: null }, data: { retiredAt: new Date() } });
  return newKey(tx);
}
