// Browser calls to the plans/organizations admin REST API (same origin, session
// cookie), returning the one error shape's message and `details`.
// (components/apis/catalog-client.ts does the same for the catalog; a shared
// helper would serve both.)
export type Detail = { path: string; message: string };
export type CallResult<T> = { ok: true; data: T } | { ok: false; status: number; message: string; details: Detail[] };

function detailsOf(details: unknown): Detail[] {
  if (!Array.isArray(details)) return [];
  return details
    .filter((d): d is Detail => typeof d?.path === "string" && typeof d?.message === "string")
    .map((d) => ({ path: d.path, message: d.message }));
}

export async function callAdmin<T>(method: string, path: string, body?: unknown): Promise<CallResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return {
      ok: false,
      status: 0,
      message: "Could not reach Gatehouse. Check your connection and try again.",
      details: [],
    };
  }
  const json = (await res.json().catch(() => null)) as { error?: { message?: string; details?: unknown } } | null;
  if (res.ok) return { ok: true, data: json as T };
  return {
    ok: false,
    status: res.status,
    message: json?.error?.message ?? `Request failed (${res.status}).`,
    details: detailsOf(json?.error?.details),
  };
}
