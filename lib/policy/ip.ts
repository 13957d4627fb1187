// IP allowlists as pure functions (ipaddr.js does the parsing and CIDR math).
import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * A compiled allowlist: IPv4 and IPv6 ranges kept apart (match() needs
 * same-kind pairs); IPv4 ranges also as (network, mask) integers for the fast
 * path below.
 */
export type IpAllowlist = {
  readonly v4: Range[];
  readonly v6: Range[];
  readonly v4Int: readonly (readonly [number, number, string])[];
  readonly source: readonly string[];
};

/**
 * Only the forms a person means: four-part decimal IPv4 and IPv6, no zone id.
 * ipaddr.js alone also accepts legacy IPv4 forms ("010.0.0.1" is octal
 * 8.0.0.1, "10.1" is 10.0.0.1, "167772161" is 10.0.0.1) and zone ids
 * ("fe80::1%eth0"), which would let an allowlist mean something else than it reads.
 */
export function isStrictIp(text: string): boolean {
  if (text.includes("%")) return false;
  return ipaddr.IPv4.isValidFourPartDecimal(text) || (text.includes(":") && ipaddr.IPv6.isValid(text));
}

/** "addr" or "addr/bits" in strict form (see isStrictIp). */
export function isStrictCidr(text: string): boolean {
  const slash = text.indexOf("/");
  if (slash === -1) return isStrictIp(text);
  if (!isStrictIp(text.slice(0, slash)) || !/^\d{1,3}$/.test(text.slice(slash + 1))) return false;
  try {
    ipaddr.parseCIDR(text);
    return true;
  } catch {
    return false;
  }
}

/** Parses "a.b.c.d", "a.b.c.d/n", IPv6 and IPv6/n. IPv4-mapped IPv6 ranges become IPv4 ones. Throws on bad input. */
export function compileAllowlist(cidrs: readonly string[]): IpAllowlist {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const raw of cidrs) {
    const text = raw.trim();
    if (!isStrictCidr(text)) throw new Error(`Not an IP address or CIDR range: ${text}`);
    let range: Range;
    if (text.includes("/")) {
      range = ipaddr.parseCIDR(text);
    } else {
      const addr = ipaddr.parse(text);
      range = [addr, addr.kind() === "ipv4" ? 32 : 128];
    }
    const [addr, bits] = range;
    if (addr.kind() === "ipv6" && (addr as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      v4.push([(addr as ipaddr.IPv6).toIPv4Address(), bits - 96]);
    } else if (addr.kind() === "ipv4") v4.push(range);
    else v6.push(range);
  }
  const v4Int = v4.map(([net, bits]): [number, number, string] => {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const n = (net as ipaddr.IPv4).octets.reduce((acc, o) => ((acc << 8) | o) >>> 0, 0);
    return [(n & mask) >>> 0, mask, `${net.toString()}/${bits}`];
  });
  return { v4, v6, v4Int, source: cidrs };
}

/**
 * "a.b.c.d" (or "::ffff:a.b.c.d") → its 32-bit value, else -1. Strictly
 * decimal, 0–255, no leading zeros, which is what a socket or proxy reports;
 * anything else takes ipaddr.js's general path. The hot path: ipaddr.js
 * parsing costs microseconds per call, this a few dozen nanoseconds.
 */
function ipv4Int(ip: string): number {
  const start = ip.startsWith("::ffff:") ? 7 : 0;
  let value = 0;
  let part = -1;
  let digits = 0;
  let dots = 0;
  for (let i = start; i < ip.length; i++) {
    const c = ip.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1; // leading zero
      part = part < 0 ? c - 48 : part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else if (c === 46 /* . */) {
      if (digits === 0 || ++dots > 3) return -1;
      value = ((value << 8) | part) >>> 0;
      part = -1;
      digits = 0;
    } else return -1;
  }
  if (dots !== 3 || digits === 0) return -1;
  return ((value << 8) | part) >>> 0;
}

/** The address in canonical form, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as IPv4; null if unparsable. */
export function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const text = ip.trim();
  if (!isStrictIp(text)) return null;
  try {
    return ipaddr.process(text);
  } catch {
    return null;
  }
}

/** The range of the list that holds `ip`, or null (also null for an unparsable address: deny). */
export function matchAllowlist(list: IpAllowlist, ip: string): string | null {
  const n = ipv4Int(ip);
  if (n >= 0) {
    for (const [net, mask, label] of list.v4Int) if ((n & mask) >>> 0 === net) return label;
    return null;
  }
  const addr = parseIp(ip);
  if (!addr) return null;
  const ranges = addr.kind() === "ipv4" ? list.v4 : list.v6;
  for (const [net, bits] of ranges) {
    if (addr.match(net, bits)) return `${net.toString()}/${bits}`;
  }
  return null;
}
