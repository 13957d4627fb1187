import { describe, expect, it } from "vitest";
import { compileAllowlist, matchAllowlist, parseIp } from "../../lib/policy/ip";
import { cidrSchema } from "../../lib/schemas/policy";

/** Whether `ip` is admitted by an allowlist made of `cidrs`. */
const admits = (cidrs: string[], ip: string) => matchAllowlist(compileAllowlist(cidrs), ip) !== null;

function throws(fn: () => unknown): boolean {
  try {
    fn();
    return false;
  } catch {
    return true;
  }
}

describe("compileAllowlist / matchAllowlist — IPv4 CIDR edges", () => {
  it("/8 holds its network and broadcast addresses, not the neighbours on either side", () => {
    const list = compileAllowlist(["10.0.0.0/8"]);
    expect(matchAllowlist(list, "10.0.0.0")).toBe("10.0.0.0/8");
    expect(matchAllowlist(list, "10.255.255.255")).toBe("10.0.0.0/8");
    expect(matchAllowlist(list, "10.128.7.1")).toBe("10.0.0.0/8");
    expect(matchAllowlist(list, "11.0.0.0")).toBeNull();
    expect(matchAllowlist(list, "9.255.255.255")).toBeNull();
  });

  it("/24 edges", () => {
    expect(admits(["192.0.2.0/24"], "192.0.2.0")).toBe(true);
    expect(admits(["192.0.2.0/24"], "192.0.2.255")).toBe(true);
    expect(admits(["192.0.2.0/24"], "192.0.1.255")).toBe(false);
    expect(admits(["192.0.2.0/24"], "192.0.3.0")).toBe(false);
  });

  it("/32 holds exactly one address", () => {
    const list = compileAllowlist(["203.0.113.7/32"]);
    expect(matchAllowlist(list, "203.0.113.7")).toBe("203.0.113.7/32");
    expect(matchAllowlist(list, "203.0.113.6")).toBeNull();
    expect(matchAllowlist(list, "203.0.113.8")).toBeNull();
  });

  it("a single address is a /32", () => {
    const list = compileAllowlist(["203.0.113.7"]);
    expect(matchAllowlist(list, "203.0.113.7")).toBe("203.0.113.7/32");
    expect(matchAllowlist(list, "203.0.113.70")).toBeNull();
  });

  it("/31 holds both of its two addresses (RFC 3021 point-to-point) and nothing else", () => {
    const list = compileAllowlist(["198.51.100.6/31"]);
    expect(matchAllowlist(list, "198.51.100.6")).toBe("198.51.100.6/31");
    expect(matchAllowlist(list, "198.51.100.7")).toBe("198.51.100.6/31");
    expect(matchAllowlist(list, "198.51.100.5")).toBeNull();
    expect(matchAllowlist(list, "198.51.100.8")).toBeNull();
  });

  it("/0 holds every IPv4 address but no IPv6 one", () => {
    for (const ip of ["0.0.0.0", "1.2.3.4", "127.0.0.1", "255.255.255.255"])
      expect(admits(["0.0.0.0/0"], ip)).toBe(true);
    expect(admits(["0.0.0.0/0"], "2001:db8::1")).toBe(false);
    expect(admits(["0.0.0.0/0"], "::1")).toBe(false);
  });

  it("non-canonical network bits (10.1.2.3/8) are accepted: only the prefix counts, the whole /8 matches", () => {
    // Documented behaviour: the host bits are ignored for matching (like `ip route`), but the
    // range is reported as written, not normalized to 10.0.0.0/8.
    expect(cidrSchema.safeParse("10.1.2.3/8").success).toBe(true);
    const list = compileAllowlist(["10.1.2.3/8"]);
    expect(matchAllowlist(list, "10.0.0.0")).toBe("10.1.2.3/8");
    expect(matchAllowlist(list, "10.255.255.255")).toBe("10.1.2.3/8");
    expect(matchAllowlist(list, "11.1.2.3")).toBeNull();
  });

  it("reports the first range of the list that holds the address", () => {
    const list = compileAllowlist(["192.0.2.0/24", "10.0.0.0/8", "10.1.0.0/16"]);
    expect(matchAllowlist(list, "10.1.2.3")).toBe("10.0.0.0/8");
    expect(matchAllowlist(list, "192.0.2.9")).toBe("192.0.2.0/24");
    expect(matchAllowlist(list, "172.16.0.1")).toBeNull();
  });

  it("surrounding whitespace in entries and in the address is tolerated", () => {
    expect(admits([" 10.0.0.0/8 "], "10.9.9.9")).toBe(true);
    expect(admits(["10.0.0.0/8"], " 10.9.9.9 ")).toBe(true);
  });

  it("keeps the source list for traces", () => {
    const cidrs = ["10.0.0.0/8", "2001:db8::/32"];
    expect(compileAllowlist(cidrs).source).toEqual(cidrs);
  });

  it("an empty list matches nothing", () => {
    const list = compileAllowlist([]);
    for (const ip of ["10.0.0.1", "127.0.0.1", "::1", "2001:db8::1"]) expect(matchAllowlist(list, ip)).toBeNull();
  });
});

describe("compileAllowlist / matchAllowlist — IPv6", () => {
  it("/128 holds exactly one address, whatever way it is written", () => {
    const list = compileAllowlist(["2001:db8::1/128"]);
    expect(matchAllowlist(list, "2001:db8::1")).toBe("2001:db8::1/128");
    expect(matchAllowlist(list, "2001:0db8:0000:0000:0000:0000:0000:0001")).toBe("2001:db8::1/128");
    expect(matchAllowlist(list, "2001:DB8::1")).toBe("2001:db8::1/128");
    expect(matchAllowlist(list, "2001:db8::2")).toBeNull();
    expect(matchAllowlist(list, "2001:db8::")).toBeNull();
  });

  it("a single IPv6 address is a /128", () => {
    expect(matchAllowlist(compileAllowlist(["2001:db8::1"]), "2001:db8::1")).toBe("2001:db8::1/128");
    expect(matchAllowlist(compileAllowlist(["2001:db8::1"]), "2001:db8::1:0")).toBeNull();
  });

  it("/64 edges", () => {
    const list = compileAllowlist(["2001:db8:1:2::/64"]);
    expect(matchAllowlist(list, "2001:db8:1:2::")).toBe("2001:db8:1:2::/64");
    expect(matchAllowlist(list, "2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(matchAllowlist(list, "2001:db8:1:3::")).toBeNull();
    expect(matchAllowlist(list, "2001:db8:1:1:ffff:ffff:ffff:ffff")).toBeNull();
  });

  it("uppercase hex and expanded forms in the list are the same range", () => {
    expect(admits(["2001:DB8:ABCD::/48"], "2001:db8:abcd:12::1")).toBe(true);
    expect(admits(["2001:0db8:abcd:0000::/48"], "2001:db8:abcd:ffff::1")).toBe(true);
    expect(admits(["2001:DB8:ABCD::/48"], "2001:db8:abce::1")).toBe(false);
  });

  it("::1 is the IPv6 loopback, not 127.0.0.1", () => {
    expect(admits(["::1"], "::1")).toBe(true);
    expect(admits(["::1"], "0:0:0:0:0:0:0:1")).toBe(true);
    expect(admits(["::1"], "::2")).toBe(false);
    expect(admits(["::1"], "127.0.0.1")).toBe(false);
    expect(admits(["127.0.0.1"], "::1")).toBe(false);
  });

  it("::/0 holds every IPv6 address but no IPv4 one", () => {
    for (const ip of ["::", "::1", "2001:db8::1", "fe80::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]) {
      expect(admits(["::/0"], ip)).toBe(true);
    }
    expect(admits(["::/0"], "10.0.0.1")).toBe(false);
    expect(admits(["::/0"], "::ffff:10.0.0.1")).toBe(false); // an IPv4 client written the IPv6 way
  });

  it("an IPv4 list never matches an IPv6 client and vice versa", () => {
    expect(admits(["10.0.0.0/8", "0.0.0.0/0"], "2001:db8::1")).toBe(false);
    expect(admits(["10.0.0.0/8"], "::a00:1")).toBe(false); // the IPv4-compatible (not mapped) form is IPv6
    expect(admits(["2001:db8::/32", "::/0"], "10.0.0.1")).toBe(false);
  });

  it("mixed lists match by family", () => {
    const list = compileAllowlist(["10.0.0.0/8", "2001:db8::/32"]);
    expect(matchAllowlist(list, "10.2.3.4")).toBe("10.0.0.0/8");
    expect(matchAllowlist(list, "2001:db8:ffff::1")).toBe("2001:db8::/32");
    expect(matchAllowlist(list, "2001:db9::1")).toBeNull();
  });
});

describe("IPv4-mapped IPv6", () => {
  it("an IPv4-mapped client (::ffff:10.1.2.3) is matched as the IPv4 address", () => {
    expect(matchAllowlist(compileAllowlist(["10.0.0.0/8"]), "::ffff:10.1.2.3")).toBe("10.0.0.0/8");
    expect(matchAllowlist(compileAllowlist(["10.0.0.0/8"]), "::FFFF:10.1.2.3")).toBe("10.0.0.0/8");
    expect(matchAllowlist(compileAllowlist(["10.0.0.0/8"]), "::ffff:a01:203")).toBe("10.0.0.0/8"); // hex form of 10.1.2.3
    expect(matchAllowlist(compileAllowlist(["10.0.0.0/8"]), "::ffff:11.1.2.3")).toBeNull();
  });

  it("a ::ffff:0:0/96 entry holds every IPv4 client (mapped or not) and no native IPv6 one", () => {
    const list = compileAllowlist(["::ffff:0:0/96"]);
    expect(matchAllowlist(list, "10.1.2.3")).not.toBeNull();
    expect(matchAllowlist(list, "203.0.113.9")).not.toBeNull();
    expect(matchAllowlist(list, "::ffff:203.0.113.9")).not.toBeNull();
    expect(matchAllowlist(list, "2001:db8::1")).toBeNull();
    expect(matchAllowlist(list, "::1")).toBeNull();
  });

  it("a mapped range narrower than /96 is its IPv4 range (::ffff:10.0.0.0/104 = 10.0.0.0/8)", () => {
    const list = compileAllowlist(["::ffff:10.0.0.0/104"]);
    expect(matchAllowlist(list, "10.200.0.1")).toBe("10.0.0.0/8");
    expect(matchAllowlist(list, "11.0.0.0")).toBeNull();
  });

  it("a mapped single address is that IPv4 address", () => {
    expect(matchAllowlist(compileAllowlist(["::ffff:192.0.2.1"]), "192.0.2.1")).toBe("192.0.2.1/32");
    expect(matchAllowlist(compileAllowlist(["::ffff:192.0.2.1"]), "192.0.2.2")).toBeNull();
  });
});

describe("parseIp / garbage", () => {
  it("canonicalizes addresses (IPv4-mapped → IPv4, IPv6 compressed lowercase)", () => {
    expect(parseIp("::ffff:10.1.2.3")?.toString()).toBe("10.1.2.3");
    expect(parseIp("::ffff:10.1.2.3")?.kind()).toBe("ipv4");
    expect(parseIp("2001:0DB8:0000:0000:0000:0000:0000:0001")?.toString()).toBe("2001:db8::1");
    expect(parseIp("::1")?.kind()).toBe("ipv6");
    expect(parseIp("192.0.2.1")?.toString()).toBe("192.0.2.1");
  });

  it.each([
    "not-an-ip",
    "",
    "   ",
    "1.2.3.4.5",
    "256.1.1.1",
    "1.2.3.-1",
    "[::1]",
    "10.0.0.1:8080",
    "2001:db8::g",
    "1:2:3:4:5:6:7:8:9",
  ])("%j is unparsable: null, and no allowlist matches it", (ip) => {
    expect(parseIp(ip)).toBeNull();
    expect(matchAllowlist(compileAllowlist(["0.0.0.0/0", "::/0"]), ip)).toBeNull();
  });

  // Regression (was a bug): ipaddr.js accepts a zone id and the address then matches fe80::/10 and ::/0.
  // Decision in the brief: a zone id makes the address unparsable → deny.
  it("an address with a zone id (fe80::1%eth0) is unparsable → denied", () => {
    expect(parseIp("fe80::1%eth0")).toBeNull();
    expect(matchAllowlist(compileAllowlist(["fe80::/10", "::/0"]), "fe80::1%eth0")).toBeNull();
  });

  // Regression (was a bug): an allowlist entry with a zone id is accepted and the zone is ignored when matching
  // (fe80::1%eth1 matches "fe80::1%eth0").
  it("an allowlist entry with a zone id is refused by compileAllowlist and cidrSchema", () => {
    expect(() => compileAllowlist(["fe80::1%eth0"])).toThrow();
    expect(cidrSchema.safeParse("fe80::1%eth0").success).toBe(false);
  });

  // Regression (was a bug): ipaddr.parse() takes inet_aton's legacy forms, so "010.0.0.1" (meant: 10.0.0.1) is the
  // octal 8.0.0.1, "10.1" is 10.0.0.1 and "12345" is 0.0.48.57. An admin typing a leading zero silently
  // allowlists another network; the entries must be refused (dotted quads only).
  it("legacy IPv4 forms (octal, hex, short, integer) are refused as allowlist entries", () => {
    const legacy = ["010.0.0.1", "010.0.0.0/8", "10.1", "10.1/16", "0x0a.0.0.1", "12345", "0"];
    expect(legacy.filter((cidr) => cidrSchema.safeParse(cidr).success)).toEqual([]);
    expect(legacy.filter((cidr) => !throws(() => compileAllowlist([cidr])))).toEqual([]);
  });

  // Regression (was a bug): the same legacy forms as a client address (e.g. from X-Forwarded-For through a trusted
  // proxy) match ranges they don't look like: "167772161" and "0x0a000001" are taken as 10.0.0.1.
  it("legacy IPv4 forms are not client addresses (deny)", () => {
    const legacy = ["167772161", "0x0a000001", "10.1", "010.0.0.1"];
    expect(legacy.filter((ip) => parseIp(ip) !== null)).toEqual([]);
    expect(legacy.filter((ip) => matchAllowlist(compileAllowlist(["0.0.0.0/0"]), ip) !== null)).toEqual([]);
  });
});

describe("compileAllowlist throws on bad entries; cidrSchema refuses the same", () => {
  const bad = [
    "not-an-ip",
    "",
    "1.2.3.4.5",
    "256.1.1.1",
    "256.0.0.0/8",
    "10.0.0.0/33",
    "10.0.0.0/-1",
    "10.0.0.0/",
    "/8",
    "10.0.0.1/32/1",
    "1.2.3.4/24abc",
    "2001:db8::1/129",
    "2001:db8::g/64",
    "10.0.0.0/8,10.1.0.0/16",
  ];
  it.each(bad)("%j", (cidr) => {
    expect(() => compileAllowlist([cidr])).toThrow();
    expect(cidrSchema.safeParse(cidr).success).toBe(false);
  });

  it("one bad entry makes the whole list throw", () => {
    expect(() => compileAllowlist(["10.0.0.0/8", "nope", "2001:db8::/32"])).toThrow();
  });

  const good = [
    "10.0.0.0/8",
    "10.1.2.3/8",
    "203.0.113.7",
    "203.0.113.7/32",
    "0.0.0.0/0",
    "198.51.100.6/31",
    "2001:db8::/32",
    "2001:DB8::/32",
    "2001:db8::1/128",
    "::1",
    "::/0",
    "::ffff:0:0/96",
    "::ffff:10.0.0.0/104",
    " 10.0.0.0/8 ",
  ];
  it.each(good)("%j is accepted by both", (cidr) => {
    expect(() => compileAllowlist([cidr])).not.toThrow();
    expect(cidrSchema.safeParse(cidr).success).toBe(true);
  });

  it("cidrSchema trims its input", () => {
    expect(cidrSchema.parse("  192.0.2.0/24 ")).toBe("192.0.2.0/24");
  });
});
