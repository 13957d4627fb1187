// Browser calls to the catalog's REST API (same origin, session cookie).
// Mutations go through REST rather than server actions: an OpenAPI document can
// exceed the 1 MB server-action body limit, and the REST error carries `details`
// (every problem in the document) in the one error shape.
export type Problem = { path: string; message: string };
export type CatalogError = { code: string; message: string; details: Problem[] };
export type CatalogResult<T> = { ok: true; data: T } | { ok: false; error: CatalogError };

function problemsOf(details: unknown): Problem[] {
  if (!Array.isArray(details)) return [];
  return details
    .filter((d): d is Problem => typeof d?.path === "string" && typeof d?.message === "string")
    .map((d) => ({ path: d.path, message: d.message }));
}

export async function callCatalog<T>(method: string, path: string, body?: unknown): Promise<CatalogResult<T>> {
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: body === undefined ? undefined : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    return { ok: false, error: { code: "network", message: "Could not reach Gatehouse. Try again.", details: [] } };
  }
  const json = (await res.json().catch(() => null)) as {
    error?: { code?: string; message?: string; details?: unknown };
  } | null;
  if (res.ok) return { ok: true, data: json as T };
  return {
    ok: false,
    error: {
      code: json?.error?.code ?? "internal_error",
      message: json?.error?.message ?? `Request failed (${res.status}).`,
      details: problemsOf(json?.error?.details),
    },
  };
}
