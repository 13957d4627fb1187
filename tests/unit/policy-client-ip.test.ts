import { describe, expect, it } from "vitest";
import { clientIp, compileTrustedProxies } from "../../lib/policy/client-ip";

describe("compileTrustedProxies", () => {
  it("unset, null, empty or blank → trusts nobody", () => {
    for (const list of [undefined, null, "", "   ", " , ,"]) {
      const trust = compileTrustedProxies(list);
      expect(trust("127.0.0.1", 0), String(list)).toBe(false);
      expect(trust("10.0.0.1", 0), String(list)).toBe(false);
    }
  });

  it("parses comma- and space-separated lists of addresses, CIDRs and proxy-addr names", () => {
    const trust = compileTrustedProxies(" 10.0.0.0/8,192.168.1.1  loopback ,2001:db8::/32");
    expect(trust("10.200.3.4", 0)).toBe(true);
    expect(trust("192.168.1.1", 0)).toBe(true);
    expect(trust("192.168.1.2", 0)).toBe(false);
    expect(trust("127.0.0.1", 0)).toBe(true);
    expect(trust("::1", 0)).toBe(true);
    expect(trust("2001:db8:5::1", 0)).toBe(true);
    expect(trust("11.0.0.1", 0)).toBe(false);
    expect(trust("203.0.113.5", 0)).toBe(false);
  });

  it("a garbage entry is a configuration error (throws), not a silent trust-all", () => {
    expect(() => compileTrustedProxies("not-a-range")).toThrow();
    expect(() => compileTrustedProxies("10.0.0.0/33")).toThrow();
  });

  it("refuses a /0 (proxy-addr won't trust the whole internet)", () => {
    expect(() => compileTrustedProxies("0.0.0.0/0")).toThrow();
    expect(() => compileTrustedProxies("::/0")).toThrow();
  });

  it("never trusts an unparsable address", () => {
    const trust = compileTrustedProxies("0.0.0.0/1, 128.0.0.0/1, ::/1, 8000::/1");
    expect(trust("1.2.3.4", 0)).toBe(true); // the ranges do cover everything parsable
    expect(trust("not-an-ip", 0)).toBe(false);
    expect(trust("", 0)).toBe(false);
  });
});

describe("clientIp — no trusted proxies", () => {
  const none = compileTrustedProxies(undefined);

  it("a spoofed X-Forwarded-For is ignored entirely: the socket address wins", () => {
    expect(clientIp("203.0.113.5", "1.2.3.4", none)).toBe("203.0.113.5");
    expect(clientIp("203.0.113.5", "1.2.3.4, 5.6.7.8", none)).toBe("203.0.113.5");
    expect(clientIp("203.0.113.5", ["1.2.3.4"], none)).toBe("203.0.113.5");
  });

  it("even a loopback socket isn't trusted unless configured", () => {
    expect(clientIp("127.0.0.1", "198.51.100.7", none)).toBe("127.0.0.1");
  });

  it("no header → the socket", () => {
    expect(clientIp("203.0.113.5", undefined, none)).toBe("203.0.113.5");
    expect(clientIp("2001:db8::5", undefined, none)).toBe("2001:db8::5");
  });

  it("an unknown socket address is the empty string (which no allowlist matches)", () => {
    expect(clientIp(undefined, "1.2.3.4", none)).toBe("");
  });
});

describe("clientIp — one trusted proxy (10.0.0.1)", () => {
  const trust = compileTrustedProxies("10.0.0.1");

  it("believes the proxy's X-Forwarded-For", () => {
    expect(clientIp("10.0.0.1", "198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("a client-prepended hop is ignored: the first untrusted hop from the right wins", () => {
    // The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the real peer.
    expect(clientIp("10.0.0.1", "6.6.6.6, 198.51.100.7", trust)).toBe("198.51.100.7");
    expect(clientIp("10.0.0.1", "6.6.6.6,198.51.100.7", trust)).toBe("198.51.100.7");
    expect(clientIp("10.0.0.1", "10.0.0.1, 6.6.6.6, 198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("a client that claims to be the trusted proxy itself gets nothing: its own address is next", () => {
    // 198.51.100.7 sent "X-Forwarded-For: 1.2.3.4, 10.0.0.1" hoping 10.0.0.1 is believed.
    expect(clientIp("10.0.0.1", "1.2.3.4, 10.0.0.1, 198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("an untrusted socket's X-Forwarded-For is ignored", () => {
    expect(clientIp("203.0.113.5", "198.51.100.7", trust)).toBe("203.0.113.5");
    expect(clientIp("10.0.0.2", "198.51.100.7", trust)).toBe("10.0.0.2");
  });

  it("an empty or blank header → the socket", () => {
    expect(clientIp("10.0.0.1", "", trust)).toBe("10.0.0.1");
    expect(clientIp("10.0.0.1", ", ,", trust)).toBe("10.0.0.1");
    expect(clientIp("10.0.0.1", [], trust)).toBe("10.0.0.1");
  });

  it("whitespace around hops is trimmed", () => {
    expect(clientIp("10.0.0.1", "   198.51.100.7  ", trust)).toBe("198.51.100.7");
  });

  it("a forwarded IPv4-mapped address is normalized", () => {
    expect(clientIp("10.0.0.1", "::ffff:198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("a forwarded IPv6 client is kept as is", () => {
    expect(clientIp("10.0.0.1", "2001:db8::7", trust)).toBe("2001:db8::7");
  });
});

describe("clientIp — several trusted hops (10.0.0.0/8 + loopback)", () => {
  const trust = compileTrustedProxies("10.0.0.0/8, loopback");

  it("skips every trusted hop from the right and stops at the first untrusted one", () => {
    expect(clientIp("127.0.0.1", "198.51.100.7, 10.1.1.1, 10.2.2.2", trust)).toBe("198.51.100.7");
    expect(clientIp("127.0.0.1", "6.6.6.6, 198.51.100.7, 10.1.1.1, 10.2.2.2", trust)).toBe("198.51.100.7");
    expect(clientIp("::1", "198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("an untrusted hop in the middle stops the walk there", () => {
    expect(clientIp("127.0.0.1", "198.51.100.7, 203.0.113.9, 10.1.1.1", trust)).toBe("203.0.113.9");
  });

  it("when every hop is trusted, the leftmost one is the client", () => {
    expect(clientIp("127.0.0.1", "10.9.9.9, 10.1.1.1", trust)).toBe("10.9.9.9");
  });

  it("X-Forwarded-For given as several header values is read as one list, in order", () => {
    expect(clientIp("127.0.0.1", ["6.6.6.6", "198.51.100.7"], trust)).toBe("198.51.100.7");
    expect(clientIp("127.0.0.1", ["6.6.6.6, 198.51.100.7", "10.0.0.9"], trust)).toBe("198.51.100.7");
    expect(clientIp("127.0.0.1", ["198.51.100.7", "203.0.113.9, 10.0.0.9"], trust)).toBe("203.0.113.9");
  });
});

describe("clientIp — IPv4-mapped socket addresses", () => {
  it("a mapped socket address (::ffff:10.0.0.1) is trusted by an IPv4 entry 10.0.0.1", () => {
    // Documented behaviour: proxy-addr compares a mapped candidate as IPv4.
    const trust = compileTrustedProxies("10.0.0.1");
    expect(clientIp("::ffff:10.0.0.1", "198.51.100.7", trust)).toBe("198.51.100.7");
    expect(clientIp("::ffff:10.0.0.2", "198.51.100.7", trust)).toBe("10.0.0.2");
  });

  it("a mapped socket address is trusted by a mapped range (::ffff:10.0.0.0/104)", () => {
    const trust = compileTrustedProxies("::ffff:10.0.0.0/104");
    expect(clientIp("::ffff:10.0.0.1", "198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("a mapped untrusted socket is reported as plain IPv4", () => {
    expect(clientIp("::ffff:203.0.113.5", undefined, compileTrustedProxies(undefined))).toBe("203.0.113.5");
    expect(clientIp("::ffff:203.0.113.5", "1.2.3.4", compileTrustedProxies(undefined))).toBe("203.0.113.5");
    expect(clientIp("::ffff:203.0.113.5", "1.2.3.4", compileTrustedProxies("10.0.0.1"))).toBe("203.0.113.5");
  });

  it("a native IPv6 socket isn't mangled", () => {
    expect(clientIp("2001:db8::ffff:1", undefined, compileTrustedProxies(undefined))).toBe("2001:db8::ffff:1");
    expect(clientIp("::1", undefined, compileTrustedProxies(undefined))).toBe("::1");
  });
});

describe("clientIp — garbage in X-Forwarded-For", () => {
  const trust = compileTrustedProxies("10.0.0.1");

  it("a garbage rightmost hop is untrusted, so it is returned as is (and then matches no allowlist)", () => {
    expect(clientIp("10.0.0.1", "not-an-ip", trust)).toBe("not-an-ip");
    expect(clientIp("10.0.0.1", "198.51.100.7:1234", trust)).toBe("198.51.100.7:1234");
  });

  it("garbage left of an untrusted hop is never reached", () => {
    expect(clientIp("10.0.0.1", "not-an-ip, 198.51.100.7", trust)).toBe("198.51.100.7");
    expect(clientIp("10.0.0.1", "<script>, ;;, 198.51.100.7", trust)).toBe("198.51.100.7");
  });

  it("garbage from an untrusted socket is ignored", () => {
    expect(clientIp("203.0.113.5", "not-an-ip", trust)).toBe("203.0.113.5");
  });
});
