import { describe, expect, it } from "vitest";
import { mergePolicy, policyFieldsIn, viewPolicy } from "../../lib/policy/patch";

const limit = [{ limit: 10, windowSeconds: 1 }];

describe("mergePolicy — one PATCH rule for keys, OAuth clients, organizations and plans", () => {
  it("a present field replaces, null removes, an absent one is left alone", () => {
    const stored = { ipAllowlist: ["10.0.0.0/8"], rateLimits: limit, quota: { limit: 5, period: "day" } };
    expect(mergePolicy(stored, { ipAllowlist: ["192.0.2.0/24"], quota: null })).toEqual({
      ipAllowlist: ["192.0.2.0/24"],
      rateLimits: limit,
    });
  });

  it("keeps keys it does not know, ignores input fields that are not policy fields, and does not touch the stored value", () => {
    const stored = { futureField: 1, quota: { limit: 5, period: "day" } };
    const merged = mergePolicy(stored, { rateLimits: limit, name: "renamed" } as Parameters<typeof mergePolicy>[1]);
    expect(merged).toEqual({ futureField: 1, quota: { limit: 5, period: "day" }, rateLimits: limit });
    expect(stored).toEqual({ futureField: 1, quota: { limit: 5, period: "day" } });
  });

  it("starts from nothing when the stored value is not an object", () => {
    for (const stored of [null, undefined, [], "x", 3])
      expect(mergePolicy(stored, { rateLimits: limit })).toEqual({ rateLimits: limit });
  });
});

describe("policyFieldsIn / viewPolicy", () => {
  it("names the policy fields present, null ones included", () => {
    expect(policyFieldsIn({ quota: null, rateLimits: limit, ipAllowlist: undefined })).toEqual(["rateLimits", "quota"]);
  });

  it("reads the known fields and drops unknown ones", () => {
    expect(viewPolicy({ rateLimits: limit, futureField: 1 })).toEqual({ rateLimits: limit });
    expect(viewPolicy(null)).toEqual({});
  });
});
