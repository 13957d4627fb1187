import { describe, expect, it } from "vitest";
import { compilePolicy, EMPTY_POLICY, type PolicyLevels } from "../../lib/policy/compile";
import { checkIpAllowlists, checkScopes, checkTimeWindows, step, type Trace } from "../../lib/policy/evaluate";
import { RouteTable, type RouteMatch, type RouteRuleInput } from "../../lib/policy/routes";
import type { Policy, TimeWindow } from "../../lib/schemas/policy";
import type { TraceStep } from "../../lib/schemas/simulate";

const levels = (over: Partial<PolicyLevels> = {}): PolicyLevels => ({
  credential: {},
  credentialLevel: "key",
  org: {},
  plan: null,
  ...over,
});

const OFFICE: TimeWindow = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  start: "08:00",
  end: "18:00",
  timeZone: "Europe/Berlin",
};
const MORNING: TimeWindow = {
  days: ["mon", "tue", "wed", "thu", "fri"],
  start: "08:00",
  end: "12:00",
  timeZone: "UTC",
};
// 2026-01-07 is a Wednesday (Berlin = UTC+1).
const WED_0900_BERLIN = Date.parse("2026-01-07T09:00:00+01:00"); // 08:00 UTC
const WED_1300_BERLIN = Date.parse("2026-01-07T13:00:00+01:00"); // 12:00 UTC
const SAT_1000_BERLIN = Date.parse("2026-01-10T10:00:00+01:00");

describe("compilePolicy", () => {
  it("nothing set anywhere → empty and countersFree", () => {
    const p = compilePolicy(levels());
    expect(p).toMatchObject({
      ipAllowlists: [],
      timeWindows: [],
      credentialLimits: [],
      orgLimits: [],
      credentialQuota: null,
      orgQuota: null,
      empty: true,
      countersFree: true,
    });
    expect(EMPTY_POLICY.empty).toBe(true);
    expect(EMPTY_POLICY.countersFree).toBe(true);
  });

  it("explicit nulls at every level are 'not set'", () => {
    const unset: Policy = { ipAllowlist: null, timeWindows: null, rateLimits: null, quota: null };
    const p = compilePolicy(levels({ credential: unset, org: unset, plan: unset }));
    expect(p.empty).toBe(true);
    expect(p.countersFree).toBe(true);
  });

  it("IP allowlists from every level are all kept (ANDed), tagged with their level, credential first", () => {
    const p = compilePolicy(
      levels({
        credential: { ipAllowlist: ["10.1.0.0/16"] },
        credentialLevel: "client",
        org: { ipAllowlist: ["10.0.0.0/8"] },
        plan: { ipAllowlist: ["0.0.0.0/0"] },
      }),
    );
    expect(p.ipAllowlists.map((a) => [a.level, a.list.source])).toEqual([
      ["client", ["10.1.0.0/16"]],
      ["org", ["10.0.0.0/8"]],
      ["plan", ["0.0.0.0/0"]],
    ]);
    expect(p.empty).toBe(false);
    expect(p.countersFree).toBe(true); // static checks only
  });

  it("an empty allowlist [] is set (a lock-out); an empty timeWindows [] is not set", () => {
    const p = compilePolicy(levels({ org: { ipAllowlist: [], timeWindows: [] } }));
    expect(p.ipAllowlists).toHaveLength(1);
    expect(p.ipAllowlists[0].level).toBe("org");
    expect(p.timeWindows).toEqual([]);
    expect(p.empty).toBe(false);
    expect(checkIpAllowlists(p, "10.0.0.1", undefined)).toBe(false);
    expect(checkIpAllowlists(p, "::1", undefined)).toBe(false);
  });

  it("time windows from every level are kept (ANDed)", () => {
    const p = compilePolicy(levels({ credential: { timeWindows: [MORNING] }, org: { timeWindows: [OFFICE] } }));
    expect(p.timeWindows).toEqual([
      { level: "key", windows: [MORNING] },
      { level: "org", windows: [OFFICE] },
    ]);
    expect(p.empty).toBe(false);
    expect(p.countersFree).toBe(true);
  });

  it("a bad CIDR in a stored policy throws at compile time", () => {
    expect(() => compilePolicy(levels({ credential: { ipAllowlist: ["10.0.0.0/33"] } }))).toThrow();
  });

  describe("rate limits", () => {
    const planLimits = [
      { limit: 1000, windowSeconds: 60 },
      { limit: 10, windowSeconds: 1 },
    ];

    it("the credential's own limits win over the plan's", () => {
      const p = compilePolicy(
        levels({ credential: { rateLimits: [{ limit: 5, windowSeconds: 1 }] }, plan: { rateLimits: planLimits } }),
      );
      expect(p.credentialLimits).toEqual([{ limit: 5, windowSeconds: 1 }]);
      expect(p.countersFree).toBe(false);
      expect(p.empty).toBe(false);
    });

    it("without its own, the credential gets the plan's (sorted by window, shortest first)", () => {
      const p = compilePolicy(levels({ plan: { rateLimits: planLimits } }));
      expect(p.credentialLimits).toEqual([
        { limit: 10, windowSeconds: 1 },
        { limit: 1000, windowSeconds: 60 },
      ]);
      expect(p.orgLimits).toEqual([]); // the plan's limits count per credential, not per org
    });

    it("an explicit [] on the credential means no limits (does not fall back to the plan)", () => {
      const p = compilePolicy(levels({ credential: { rateLimits: [] }, plan: { rateLimits: planLimits } }));
      expect(p.credentialLimits).toEqual([]);
      expect(p.countersFree).toBe(true);
      expect(p.empty).toBe(true);
    });

    it("the credential's null falls back to the plan's", () => {
      const p = compilePolicy(levels({ credential: { rateLimits: null }, plan: { rateLimits: planLimits } }));
      expect(p.credentialLimits).toHaveLength(2);
    });

    it("the org's limits count for the org, sorted; they don't replace the credential's", () => {
      const p = compilePolicy(
        levels({
          credential: { rateLimits: [{ limit: 5, windowSeconds: 1 }] },
          org: {
            rateLimits: [
              { limit: 100_000, windowSeconds: 3600 },
              { limit: 50, windowSeconds: 1 },
            ],
          },
        }),
      );
      expect(p.orgLimits).toEqual([
        { limit: 50, windowSeconds: 1 },
        { limit: 100_000, windowSeconds: 3600 },
      ]);
      expect(p.credentialLimits).toEqual([{ limit: 5, windowSeconds: 1 }]);
    });

    it("sorting doesn't mutate the stored policy", () => {
      const stored = [...planLimits];
      compilePolicy(levels({ plan: { rateLimits: stored } }));
      expect(stored).toEqual(planLimits);
    });
  });

  describe("quotas", () => {
    it("the credential's quota counts per credential; the org's (else the plan's) for the org", () => {
      const p = compilePolicy(
        levels({
          credential: { quota: { limit: 100, period: "day" } },
          org: { quota: { limit: 10_000, period: "month" } },
          plan: { quota: { limit: 5_000, period: "month" } },
        }),
      );
      expect(p.credentialQuota).toEqual({ limit: 100, period: "day" });
      expect(p.orgQuota).toEqual({ limit: 10_000, period: "month" });
      expect(p.countersFree).toBe(false);
    });

    it("without its own, the org gets the plan's quota; the credential never does", () => {
      const p = compilePolicy(levels({ plan: { quota: { limit: 5_000, period: "month" } } }));
      expect(p.orgQuota).toEqual({ limit: 5_000, period: "month" });
      expect(p.credentialQuota).toBeNull();
      expect(p.countersFree).toBe(false);
      expect(p.empty).toBe(false);
    });

    it("a credential quota alone makes the policy need counters", () => {
      const p = compilePolicy(levels({ credential: { quota: { limit: 1, period: "day" } } }));
      expect(p.countersFree).toBe(false);
      expect(p.empty).toBe(false);
      expect(p.orgQuota).toBeNull();
    });
  });
});

describe("checkIpAllowlists", () => {
  it("no allowlist: passes with a skip step", () => {
    const trace: TraceStep[] = [];
    expect(checkIpAllowlists(EMPTY_POLICY, "203.0.113.5", trace)).toBe(true);
    expect(trace).toEqual([{ rule: "ip_allowlist", outcome: "skip", detail: "No IP allowlist is set." }]);
  });

  it("every level must hold the IP: a pass step per level", () => {
    const p = compilePolicy(
      levels({ credential: { ipAllowlist: ["10.1.0.0/16"] }, org: { ipAllowlist: ["10.0.0.0/8"] } }),
    );
    const trace: TraceStep[] = [];
    expect(checkIpAllowlists(p, "10.1.2.3", trace)).toBe(true);
    expect(trace).toEqual([
      { rule: "ip_allowlist", outcome: "pass", detail: "10.1.2.3 is in 10.1.0.0/16 (key allowlist)." },
      { rule: "ip_allowlist", outcome: "pass", detail: "10.1.2.3 is in 10.0.0.0/8 (org allowlist)." },
    ]);
  });

  it("a credential can narrow its org's allowlist, never widen it", () => {
    // Credential allows 192.0.2.0/24, but the org only 10.0.0.0/8: 192.0.2.1 is denied by the org.
    const p = compilePolicy(
      levels({ credential: { ipAllowlist: ["192.0.2.0/24"] }, org: { ipAllowlist: ["10.0.0.0/8"] } }),
    );
    const trace: TraceStep[] = [];
    expect(checkIpAllowlists(p, "192.0.2.1", trace)).toBe(false);
    expect(trace).toEqual([
      { rule: "ip_allowlist", outcome: "pass", detail: "192.0.2.1 is in 192.0.2.0/24 (key allowlist)." },
      { rule: "ip_allowlist", outcome: "fail", detail: "192.0.2.1 is not in the org allowlist (10.0.0.0/8)." },
    ]);
    // And an IP the org allows but the credential doesn't is denied by the credential, first.
    const t2: TraceStep[] = [];
    expect(checkIpAllowlists(p, "10.0.0.1", t2)).toBe(false);
    expect(t2).toEqual([
      { rule: "ip_allowlist", outcome: "fail", detail: "10.0.0.1 is not in the key allowlist (192.0.2.0/24)." },
    ]);
  });

  it("the fail step names the empty list and the OAuth client level", () => {
    const p = compilePolicy(levels({ credential: { ipAllowlist: [] }, credentialLevel: "client" }));
    const trace: TraceStep[] = [];
    expect(checkIpAllowlists(p, "10.0.0.1", trace)).toBe(false);
    expect(trace).toEqual([
      { rule: "ip_allowlist", outcome: "fail", detail: "10.0.0.1 is not in the client allowlist (empty)." },
    ]);
  });

  it("lists every entry of a multi-entry list in the fail step", () => {
    const p = compilePolicy(levels({ plan: { ipAllowlist: ["10.0.0.0/8", "2001:db8::/32"] } }));
    const trace: TraceStep[] = [];
    expect(checkIpAllowlists(p, "203.0.113.5", trace)).toBe(false);
    expect(trace[0].detail).toBe("203.0.113.5 is not in the plan allowlist (10.0.0.0/8, 2001:db8::/32).");
  });

  it("an unparsable client IP is denied even by 0.0.0.0/0 + ::/0", () => {
    const p = compilePolicy(levels({ org: { ipAllowlist: ["0.0.0.0/0", "::/0"] } }));
    expect(checkIpAllowlists(p, "not-an-ip", undefined)).toBe(false);
    expect(checkIpAllowlists(p, "", undefined)).toBe(false);
    expect(checkIpAllowlists(p, "203.0.113.5", undefined)).toBe(true);
  });

  it("works without a trace", () => {
    const p = compilePolicy(levels({ org: { ipAllowlist: ["10.0.0.0/8"] } }));
    expect(checkIpAllowlists(p, "10.0.0.1", undefined)).toBe(true);
    expect(checkIpAllowlists(p, "11.0.0.1", undefined)).toBe(false);
  });
});

describe("checkTimeWindows", () => {
  it("no window: passes with a skip step", () => {
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(EMPTY_POLICY, SAT_1000_BERLIN, trace)).toBe(true);
    expect(trace).toEqual([{ rule: "time_window", outcome: "skip", detail: "No time window is set." }]);
  });

  it("inside: a pass step naming the window and level", () => {
    const p = compilePolicy(levels({ org: { timeWindows: [OFFICE] } }));
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(p, WED_0900_BERLIN, trace)).toBe(true);
    expect(trace).toEqual([
      { rule: "time_window", outcome: "pass", detail: "Inside Mon–Fri 08:00–18:00 Europe/Berlin (org)." },
    ]);
  });

  it("outside: a fail step with the local day and time in the window's zone", () => {
    const p = compilePolicy(levels({ org: { timeWindows: [OFFICE] } }));
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(p, SAT_1000_BERLIN, trace)).toBe(false);
    expect(trace).toEqual([
      {
        rule: "time_window",
        outcome: "fail",
        detail: "sat 10:00 Europe/Berlin is outside the org window Mon–Fri 08:00–18:00 Europe/Berlin.",
      },
    ]);
  });

  it("within a level, any one window suffices; the fail step lists them all (plural)", () => {
    const afternoon: TimeWindow = { ...MORNING, start: "13:00", end: "17:00" };
    const p = compilePolicy(levels({ credential: { timeWindows: [MORNING, afternoon] } }));
    expect(checkTimeWindows(p, Date.parse("2026-01-07T14:00:00Z"), undefined)).toBe(true);
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(p, Date.parse("2026-01-07T12:30:00Z"), trace)).toBe(false);
    expect(trace).toEqual([
      {
        rule: "time_window",
        outcome: "fail",
        detail: "wed 12:30 UTC is outside the key windows Mon–Fri 08:00–12:00 UTC; Mon–Fri 13:00–17:00 UTC.",
      },
    ]);
  });

  it("across levels, every level must hold the instant (AND)", () => {
    // Key: 08:00–12:00 UTC; org: 08:00–18:00 Berlin. Wed 13:00 Berlin = 12:00 UTC: the org passes, the key fails.
    const p = compilePolicy(levels({ credential: { timeWindows: [MORNING] }, org: { timeWindows: [OFFICE] } }));
    expect(checkTimeWindows(p, WED_0900_BERLIN, undefined)).toBe(true);
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(p, WED_1300_BERLIN, trace)).toBe(false);
    expect(trace.map((s) => [s.rule, s.outcome])).toEqual([["time_window", "fail"]]);
    expect(trace[0].detail).toContain("key window");
    // Wed 07:30 Berlin = 06:30 UTC: both fail; the credential's level is reported first.
    const t2: TraceStep[] = [];
    expect(checkTimeWindows(p, Date.parse("2026-01-07T07:30:00+01:00"), t2)).toBe(false);
    expect(t2).toHaveLength(1);
    expect(t2[0].detail).toBe("wed 06:30 UTC is outside the key window Mon–Fri 08:00–12:00 UTC.");
    // Passing both levels: two pass steps, credential first.
    const t3: TraceStep[] = [];
    expect(checkTimeWindows(p, WED_0900_BERLIN, t3)).toBe(true);
    expect(t3.map((s) => [s.outcome, s.detail])).toEqual([
      ["pass", "Inside Mon–Fri 08:00–12:00 UTC (key)."],
      ["pass", "Inside Mon–Fri 08:00–18:00 Europe/Berlin (org)."],
    ]);
  });

  it("a plan's window that the org passes still applies", () => {
    const p = compilePolicy(levels({ org: { timeWindows: [OFFICE] }, plan: { timeWindows: [MORNING] } }));
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(p, WED_1300_BERLIN, trace)).toBe(false);
    expect(trace.map((s) => s.outcome)).toEqual(["pass", "fail"]);
    expect(trace[1].detail).toContain("plan window");
  });

  it("pads local hours and minutes in the fail step", () => {
    const p = compilePolicy(levels({ org: { timeWindows: [OFFICE] } }));
    const trace: TraceStep[] = [];
    expect(checkTimeWindows(p, Date.parse("2026-01-07T00:05:00+01:00"), trace)).toBe(false);
    expect(trace[0].detail.startsWith("wed 00:05 Europe/Berlin ")).toBe(true);
  });
});

describe("checkScopes", () => {
  const table = new RouteTable([
    {
      id: "pets",
      name: "Pets",
      basePath: "/pets-api",
      upstreamUrl: "http://pets",
      routes: [
        { method: "GET", pathTemplate: "/pets", security: [["pets:read"], ["admin"]], anonymous: false },
        { method: "POST", pathTemplate: "/pets", security: [["pets:write", "pets:read"], ["admin"]], anonymous: false },
        {
          method: "DELETE",
          pathTemplate: "/pets",
          security: [
            ["a", "b", "c"],
            ["x", "y"],
          ],
          anonymous: false,
        },
        { method: "GET", pathTemplate: "/any", security: [[]], anonymous: false },
        { method: "GET", pathTemplate: "/open", security: [], anonymous: false },
        { method: "GET", pathTemplate: "/health", security: [], anonymous: true },
      ] satisfies RouteRuleInput[],
    },
    { id: "bare", name: "Bare", basePath: "/bare", upstreamUrl: "http://bare", routes: [] },
  ]);
  const route = (method: string, path: string): RouteMatch => table.match(method, path);
  const NONE: RouteMatch = { kind: "none" };
  const run = (granted: string[], explicit: string[], r: RouteMatch) => {
    const trace: TraceStep[] = [];
    const missing = checkScopes(new Set(granted), explicit, r, trace);
    return { missing, trace };
  };

  it("nothing required: skip step", () => {
    expect(run([], [], NONE)).toEqual({
      missing: [],
      trace: [{ rule: "scope", outcome: "skip", detail: "No scope is required." }],
    });
    expect(run([], [], route("GET", "/bare/x")).trace[0].outcome).toBe("skip"); // API without route rules
    expect(run([], [], route("GET", "/pets-api/open")).trace[0].outcome).toBe("skip"); // security: []
  });

  it("explicit scopes: missing ones in request order", () => {
    expect(run(["read:profile"], ["read:profile", "delete:user", "write:x"], NONE)).toEqual({
      missing: ["delete:user", "write:x"],
      trace: [
        {
          rule: "scope",
          outcome: "fail",
          detail: "Missing delete:user, write:x (required: read:profile; delete:user; write:x).",
        },
      ],
    });
    expect(run(["read:profile"], ["read:profile"], NONE)).toEqual({
      missing: [],
      trace: [{ rule: "scope", outcome: "pass", detail: "Holds the required scopes (read:profile)." }],
    });
  });

  it("route alternatives: one satisfied alternative is enough", () => {
    expect(run(["pets:read"], [], route("GET", "/pets-api/pets"))).toEqual({
      missing: [],
      trace: [{ rule: "scope", outcome: "pass", detail: "Holds the required scopes (pets:read | admin)." }],
    });
    expect(run(["admin"], [], route("GET", "/pets-api/pets")).missing).toEqual([]);
    expect(run(["admin"], [], route("POST", "/pets-api/pets")).missing).toEqual([]);
  });

  it("none satisfied: the alternative needing the fewest extra scopes is reported", () => {
    // POST: [pets:write + pets:read] | [admin]. Holding pets:read, the first needs 1 more (pets:write),
    // the second also 1 (admin): the tie goes to the first declared.
    expect(run(["pets:read"], [], route("POST", "/pets-api/pets"))).toEqual({
      missing: ["pets:write"],
      trace: [
        {
          rule: "scope",
          outcome: "fail",
          detail: "Missing pets:write (required: pets:write + pets:read | admin).",
        },
      ],
    });
    // Holding nothing: [pets:write, pets:read] needs 2, [admin] needs 1 → admin.
    expect(run([], [], route("POST", "/pets-api/pets")).missing).toEqual(["admin"]);
    // DELETE: [a, b, c] | [x, y]. Holding a + b: the first needs 1 (c), the second 2.
    expect(run(["a", "b"], [], route("DELETE", "/pets-api/pets")).missing).toEqual(["c"]);
    // Holding x: the first needs 3, the second 1 (y).
    expect(run(["x"], [], route("DELETE", "/pets-api/pets")).missing).toEqual(["y"]);
    // Holding nothing: 3 vs 2 → [x, y], even though it is declared second.
    expect(run([], [], route("DELETE", "/pets-api/pets")).missing).toEqual(["x", "y"]);
  });

  it("[[]] (any valid credential) passes with nothing granted; its trace says (none)", () => {
    expect(run([], [], route("GET", "/pets-api/any"))).toEqual({
      missing: [],
      trace: [{ rule: "scope", outcome: "pass", detail: "Holds the required scopes ((none))." }],
    });
  });

  it("an anonymous rule requires no scope", () => {
    expect(run([], [], route("GET", "/pets-api/health"))).toEqual({
      missing: [],
      trace: [{ rule: "scope", outcome: "skip", detail: "No scope is required." }],
    });
  });

  it("explicit and route requirements add up, without duplicates", () => {
    const r = run(["pets:write"], ["pets:read", "audit"], route("POST", "/pets-api/pets"));
    // Explicit missing: pets:read, audit. Route: [pets:write + pets:read] needs pets:read (1), [admin] needs 1 → first.
    expect(r.missing).toEqual(["pets:read", "audit"]);
    expect(r.trace).toEqual([
      {
        rule: "scope",
        outcome: "fail",
        detail: "Missing pets:read, audit (required: pets:read; audit; pets:write + pets:read | admin).",
      },
    ]);
    // Explicit satisfied, route not.
    expect(run(["audit"], ["audit"], route("GET", "/pets-api/pets")).missing).toEqual(["pets:read"]);
    // Route satisfied, explicit not.
    expect(run(["admin"], ["audit"], route("GET", "/pets-api/pets")).missing).toEqual(["audit"]);
  });

  it("unknown_route and none carry no route requirement", () => {
    const unknown = route("PUT", "/pets-api/pets");
    expect(unknown.kind).toBe("unknown_route");
    expect(run([], [], unknown).missing).toEqual([]);
    expect(run([], ["x"], unknown).missing).toEqual(["x"]);
  });

  it("works without a trace and returns a fresh array", () => {
    const granted = new Set(["a"]);
    const explicit = ["a", "b"];
    const missing = checkScopes(granted, explicit, NONE, undefined);
    expect(missing).toEqual(["b"]);
    expect(explicit).toEqual(["a", "b"]);
  });
});

describe("step", () => {
  it("appends to a trace, and is a no-op without one", () => {
    const trace: TraceStep[] = [];
    step(trace, "usage", "pass", "ok");
    expect(trace).toEqual([{ rule: "usage", outcome: "pass", detail: "ok" }]);
    const none: Trace = undefined;
    expect(() => step(none, "usage", "pass", "ok")).not.toThrow();
  });
});
