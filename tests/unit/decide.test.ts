import { describe, expect, it } from "vitest";
import { decide } from "../../lib/access/decide";
import { KeyStore, toKeyRecord } from "../../lib/access/key-store";
import { generateSecret, hashSecret, PREFIXES } from "../../lib/credentials/format";

const NOW = Date.parse("2026-06-01T12:00:00Z");

function world() {
  const rows = new Map<string, Parameters<typeof toKeyRecord>[0]>();
  let loads = 0;
  const store = new KeyStore(async (hash) => {
    loads++;
    const row = rows.get(hash);
    return row ? toKeyRecord(row) : null;
  });
  const add = (over: Partial<Parameters<typeof toKeyRecord>[0]> = {}) => {
    const secret = generateSecret(PREFIXES.apiKeyLive);
    rows.set(hashSecret(secret), {
      id: `key_${rows.size}`,
      orgId: "org_1",
      scopes: ["read:profile"],
      environment: "live",
      expiresAt: null,
      revokedAt: null,
      ...over,
    });
    return secret;
  };
  return { store, add, rows, loads: () => loads };
}

describe("decide()", () => {
  it("VALID with the key's identity", async () => {
    const w = world();
    const key = w.add();
    const d = await decide(w.store, { credential: key, requiredScopes: ["read:profile"], now: NOW });
    expect(d).toMatchObject({ allow: true, code: "VALID", key: { id: "key_0", orgId: "org_1", environment: "live" } });
  });

  it("MALFORMED for missing, garbage and bad-checksum credentials — without a lookup", async () => {
    const w = world();
    const key = w.add();
    for (const credential of [undefined, null, "", "hello", key.slice(0, -1) + (key.endsWith("A") ? "B" : "A")]) {
      expect((await decide(w.store, { credential, now: NOW })).code).toBe("MALFORMED");
    }
    expect(w.loads()).toBe(0);
  });

  it("NOT_FOUND for a well-formed unknown key, cached so a flood costs one lookup", async () => {
    const w = world();
    const unknown = generateSecret(PREFIXES.apiKeyLive);
    expect((await decide(w.store, { credential: unknown, now: NOW })).code).toBe("NOT_FOUND");
    expect((await decide(w.store, { credential: unknown, now: NOW })).code).toBe("NOT_FOUND");
    expect(w.loads()).toBe(1);
  });

  it("REVOKED and EXPIRED", async () => {
    const w = world();
    const revoked = w.add({ revokedAt: new Date(NOW - 1000) });
    const expired = w.add({ expiresAt: new Date(NOW - 1) });
    const future = w.add({ expiresAt: new Date(NOW + 60_000) });
    expect((await decide(w.store, { credential: revoked, now: NOW })).code).toBe("REVOKED");
    expect((await decide(w.store, { credential: expired, now: NOW })).code).toBe("EXPIRED");
    expect((await decide(w.store, { credential: future, now: NOW })).code).toBe("VALID");
  });

  it("INSUFFICIENT_SCOPE names the missing scopes", async () => {
    const w = world();
    const key = w.add({ scopes: ["read:profile"] });
    const d = await decide(w.store, { credential: key, requiredScopes: ["read:profile", "delete:user"], now: NOW });
    expect(d).toMatchObject({ allow: false, code: "INSUFFICIENT_SCOPE", missingScopes: ["delete:user"] });
  });

  it("evict() makes the next decision see the change", async () => {
    const w = world();
    const key = w.add();
    expect((await decide(w.store, { credential: key, now: NOW })).code).toBe("VALID");
    w.rows.get(hashSecret(key))!.revokedAt = new Date(NOW);
    expect((await decide(w.store, { credential: key, now: NOW })).code).toBe("VALID"); // still cached
    w.store.evict(hashSecret(key));
    expect((await decide(w.store, { credential: key, now: NOW })).code).toBe("REVOKED");
  });
});
