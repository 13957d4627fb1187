// IP allowlists as pure functions (ipaddr.js does the parsing and CIDR math).
import ipaddr from "ipaddr.js";

type Range = [ipaddr.IPv4 | ipaddr.IPv6, number];

/** A compiled allowlist: IPv4 and IPv6 ranges kept apart (match() needs same-kind pairs). */
export type IpAllowlist = { readonly v4: Range[]; readonly v6: Range[]; readonly source: readonly string[] };

/** Parses "a.b.c.d", "a.b.c.d/n", IPv6 and IPv6/n. IPv4-mapped IPv6 ranges become IPv4 ones. Throws on bad input. */
export function compileAllowlist(cidrs: readonly string[]): IpAllowlist {
  const v4: Range[] = [];
  const v6: Range[] = [];
  for (const raw of cidrs) {
    const text = raw.trim();
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
  return { v4, v6, source: cidrs };
}

/** The address in canonical form, IPv4-mapped IPv6 (`::ffff:1.2.3.4`) as IPv4; null if unparsable. */
export function parseIp(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  try {
    return ipaddr.process(ip.trim());
  } catch {
    return null;
  }
}

/** The range of the list that holds `ip`, or null (also null for an unparsable address: deny). */
export function matchAllowlist(list: IpAllowlist, ip: string): string | null {
  const addr = parseIp(ip);
  if (!addr) return null;
  const ranges = addr.kind() === "ipv4" ? list.v4 : list.v6;
  for (const [net, bits] of ranges) {
    if (addr.match(net, bits)) return `${net.toString()}/${bits}`;
  }
  return null;
}
