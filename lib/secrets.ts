// The root secret and what derives from it. In production with a real
// database GATEHOUSE_SECRET (or NEXTAUTH_SECRET) is required; for the embedded
// laptop/demo setup one is generated once and kept in the data dir.
import { hkdfSync, randomBytes } from "node:crypto";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

export async function loadRootSecret(opts: { dataDir: string; allowGenerate: boolean }): Promise<string> {
  const given = process.env.GATEHOUSE_SECRET ?? process.env.NEXTAUTH_SECRET;
  if (given) return given;
  if (!opts.allowGenerate) {
    throw new Error(
      "GATEHOUSE_SECRET is required in production (32+ random characters, e.g. `openssl rand -base64 48`).",
    );
  }
  const file = path.resolve(opts.dataDir, "secret");
  try {
    const existing = (await readFile(file, "utf8")).trim();
    if (existing.length >= 32) return existing;
  } catch {
    // first start: fall through and create it
  }
  await mkdir(opts.dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  await writeFile(file, secret + "\n", { mode: 0o600 });
  await chmod(file, 0o600);
  return secret;
}

/** A purpose-bound subkey: rotating one use never leaks into another. */
export function deriveSecret(root: string, purpose: string): string {
  return Buffer.from(hkdfSync("sha256", root, "gatehouse", purpose, 32)).toString("base64url");
}
