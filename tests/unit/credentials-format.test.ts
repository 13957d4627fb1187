import { describe, expect, it } from "vitest";
import {
  checksum,
  displayKey,
  generateSecret,
  hashSecret,
  isWellFormed,
  parseApiKey,
  PREFIXES,
  randomBase62,
} from "../../lib/credentials/format";

describe("key format", () => {
  it("has the environment prefix, 32 random base62 chars and a 6-char checksum", () => {
    const key = generateSecret(PREFIXES.apiKeyLive);
    expect(key).toMatch(/^gk_live_[0-9A-Za-z]{38}$/);
    expect(parseApiKey(key)).toEqual({ environment: "live", prefix: "gk_live_" });
    expect(parseApiKey(generateSecret(PREFIXES.apiKeyTest))).toEqual({ environment: "test", prefix: "gk_test_" });
  });

  it("carries at least 160 bits of randomness and never repeats", () => {
    expect(32 * Math.log2(62)).toBeGreaterThanOrEqual(160);
    const seen = new Set(Array.from({ length: 2000 }, () => generateSecret(PREFIXES.apiKeyLive)));
    expect(seen.size).toBe(2000);
  });

  it("uses the whole base62 alphabet roughly uniformly", () => {
    const counts = new Map<string, number>();
    for (const c of randomBase62(62_000)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const n of counts.values()) expect(n).toBeGreaterThan(700); // expected 1000 each
  });
});

describe("checksum rejection", () => {
  const key = generateSecret(PREFIXES.apiKeyLive);

  it("rejects a single changed character anywhere in the random part", () => {
    for (const i of [8, 20, 39]) {
      const c = key[i] === "a" ? "b" : "a";
      const typo = key.slice(0, i) + c + key.slice(i + 1);
      expect(parseApiKey(typo)).toBeNull();
    }
  });

  it("rejects a wrong checksum, a truncated key, bad characters and other prefixes", () => {
    expect(parseApiKey(key.slice(0, -6) + (key.endsWith("000000") ? "000001" : "000000"))).toBeNull();
    expect(parseApiKey(key.slice(0, -1))).toBeNull();
    expect(parseApiKey(key.slice(0, -2) + "-_")).toBeNull();
    expect(parseApiKey(key.replace("gk_live_", "gk_prod_"))).toBeNull();
    expect(parseApiKey("")).toBeNull();
    // a live key's body re-labelled as test fails the checksum (prefix is covered)
    expect(parseApiKey(key.replace("gk_live_", "gk_test_"))).toBeNull();
  });

  it("checksums are 6 base62 chars of CRC32", () => {
    expect(checksum("gk_live_abc")).toMatch(/^[0-9A-Za-z]{6}$/);
    expect(checksum("gk_live_abc")).not.toBe(checksum("gk_live_abd"));
    expect(isWellFormed(generateSecret(PREFIXES.managementToken), PREFIXES.managementToken)).toBe(true);
  });
});

describe("hashing", () => {
  it("is SHA-256 hex, deterministic, and differs per key", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const a = generateSecret(PREFIXES.apiKeyLive);
    expect(hashSecret(a)).toBe(hashSecret(a));
    expect(hashSecret(a)).not.toBe(hashSecret(generateSecret(PREFIXES.apiKeyLive)));
    expect(hashSecret(a)).not.toContain(a.slice(8, 20));
  });

  it("displays prefix and last four only", () => {
    expect(displayKey("gk_live_", "a1B2")).toBe("gk_live_…a1B2");
  });
});
