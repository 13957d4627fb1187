// The client's IP: X-Forwarded-For is believed only through proxies listed in
// GATEHOUSE_TRUSTED_PROXIES; otherwise the socket address. proxy-addr (the
// module Express uses) walks the chain right to left and stops at the first
// hop that isn't trusted, so a client can't spoof its address by sending its
// own X-Forwarded-For.
import proxyaddr from "proxy-addr";

export type TrustFn = (addr: string, hop: number) => boolean;

/** "10.0.0.0/8, 192.168.1.1, loopback" → trust function (proxy-addr's names: loopback, linklocal, uniquelocal). */
export function compileTrustedProxies(list: string | undefined | null): TrustFn {
  const entries = (list ?? "")
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (entries.length === 0) return () => false;
  return proxyaddr.compile(entries);
}

/** The client address for a request that arrived from `socketAddr` with this X-Forwarded-For. */
export function clientIp(
  socketAddr: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustFn,
): string {
  const socket = socketAddr ?? "";
  const xff = Array.isArray(forwardedFor) ? forwardedFor.join(",") : forwardedFor;
  if (!xff || !trust(socket, 0)) return normalize(socket);
  const fake = {
    socket: { remoteAddress: socket },
    connection: { remoteAddress: socket },
    headers: { "x-forwarded-for": xff },
  };
  return normalize(proxyaddr(fake as unknown as Parameters<typeof proxyaddr>[0], trust));
}

/** `::ffff:1.2.3.4` → `1.2.3.4` (node reports IPv4 clients on dual-stack sockets that way). */
function normalize(ip: string): string {
  return ip.startsWith("::ffff:") && ip.includes(".") ? ip.slice(7) : ip;
}
