import type { RequestMeta } from "../audit/record";

/** server.ts sets this from the socket (stripping any client-sent copy). */
export const CLIENT_IP_HEADER = "x-gatehouse-client-ip";

type HeaderBag = Headers | Record<string, string | string[] | undefined> | undefined;

function pick(h: HeaderBag, name: string): string | null {
  if (!h) return null;
  if (h instanceof Headers) return h.get(name);
  const v = h[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

export function metaFromHeaders(h: HeaderBag): RequestMeta {
  return { ip: pick(h, CLIENT_IP_HEADER), userAgent: pick(h, "user-agent") };
}
