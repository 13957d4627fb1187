// Browser calls to our own REST API (same origin, session cookie) for forms:
// the one error shape (DESIGN.md §3.1) comes back as a value, with `details`
// (each problem at its field's path) ready to show next to the fields. Used
// where a form needs REST rather than a server action — an OpenAPI document
// can exceed the 1 MB server-action body limit — or the REST error's details.
export type Detail = { path: string; message: string };
/** `status` 0 and code "network": the request never got an answer. */
export type CallError = { status: number; code: string; message: string; details: Detail[] };
export type CallResult<T> = { ok: true; data: T } | { ok: false; error: CallError };

function detailsOf(details: unknown): Detail[] {
  if (!Array.isArray(details)) return [];
  return details
    .filter((d): d is Detail => typeof d?.path === "string" && typeof d?.message === "string")
    .map((d) => ({ path: d.path, message: d.message }));
}

export async function callApi<T>(method: string, path: string, body?: unknown): Promise<CallResult<T>> {
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
      error: {
        status: 0,
        code: "network",
        message: "Could not reach Gatehouse. Check your connection and try again.",
        details: [],
      },
    };
  }
  const json = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string; details?: unknown };
  } | null;
  if (res.ok) return { ok: true, data: json as T };
  return {
    ok: false,
    error: {
      status: res.status,
      code: json?.error?.code ?? "internal_error",
      message: json?.error?.message ?? `Request failed (${res.status}).`,
      details: detailsOf(json?.error?.details),
    },
  };
}
