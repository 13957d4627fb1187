// Server actions return results instead of throwing, so the client always gets
// a readable message and never a stack trace.
import { unstable_rethrow } from "next/navigation";
import { log } from "../log";
import { ApiError } from "./errors";

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: { code: string; message: string } };

export function actionError(e: unknown): { ok: false; error: { code: string; message: string } } {
  unstable_rethrow(e); // Next's own control flow (redirect, notFound) must propagate
  if (e instanceof ApiError) return { ok: false, error: { code: e.code, message: e.message } };
  log.error({ err: e }, "server action failed");
  return { ok: false, error: { code: "internal_error", message: "Something went wrong on our side. Try again." } };
}
