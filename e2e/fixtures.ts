// Shared e2e helpers: sign up and sign in through the real HTTP API (not by
// typing in every test), make management tokens and keys, call the data plane.
import { randomBytes } from "node:crypto";
import { expect, request as playwrightRequest, type APIRequestContext, type APIResponse } from "@playwright/test";
import { baseURL } from "../playwright.config";

export const ADMIN_EMAIL = "admin@gatehouse.test";
export const ADMIN_PASSWORD = "admin-password-for-e2e";
export const PASSWORD = "e2e correct horse battery";

export function uniqueEmail(tag = "dev"): string {
  return `${tag}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}@example.test`;
}

export type SignedIn = {
  email: string;
  request: APIRequestContext;
  storageState: Awaited<ReturnType<APIRequestContext["storageState"]>>;
};

/** Sign in through next-auth's credentials endpoint; the returned context carries the session cookie. */
export async function signIn(email: string, password = PASSWORD): Promise<SignedIn> {
  const request = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", {
    form: { csrfToken, email, password, json: "true" },
    maxRedirects: 0,
  });
  if (res.status() >= 400) throw new Error(`sign-in failed: ${res.status()}`);
  const session = (await (await request.get("/api/auth/session")).json()) as { user?: { email?: string } };
  if (session.user?.email !== email) throw new Error(`sign-in did not produce a session for ${email}`);
  return { email, request, storageState: await request.storageState() };
}

/** A brand-new developer with a session. */
export async function newDeveloper(tag = "dev"): Promise<SignedIn> {
  const email = uniqueEmail(tag);
  const ctx = await playwrightRequest.newContext({ baseURL });
  const res = await ctx.post("/api/auth/sign-up", { data: { email, password: PASSWORD } });
  if (res.status() !== 200) throw new Error(`sign-up failed: ${res.status()} ${await res.text()}`);
  await ctx.dispose();
  return signIn(email);
}

export async function managementToken(dev: SignedIn): Promise<string> {
  const res = await dev.request.post("/api/v1/tokens", { data: { name: "e2e" } });
  if (res.status() !== 201) throw new Error(`token create failed: ${res.status()} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** A management token of the platform admin (created at server start from GATEHOUSE_ADMIN_*). */
export async function adminToken(): Promise<string> {
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const token = await managementToken(admin);
  await admin.request.dispose();
  return token;
}

export type Admin = { ctx: APIRequestContext; headers: Record<string, string>; dispose: () => Promise<void> };

/** The platform admin: a request context and the headers sending its management token. */
export async function adminClient(): Promise<Admin> {
  const token = await adminToken();
  const ctx = await playwrightRequest.newContext({ baseURL });
  return { ctx, headers: { authorization: `Bearer ${token}` }, dispose: () => ctx.dispose() };
}

// "at /path/file.ts:12" or "at fn (file.js:3:4)": how a leaked stack trace looks.
const STACK_TRACE = /\bat\s+(?:\S+\s+\()?(?:file:\/\/)?[\w./\\-]*\.(?:[cm]?[jt]sx?)(?::\d+)/;

export type ApiErrorBody<Details = unknown> = { code: string; message: string; requestId: string; details?: Details };

/** Asserts the one error shape (DESIGN.md §3.1), the status, and that nothing internal leaked. */
export async function expectApiError<Details = unknown>(
  res: APIResponse,
  status: number,
  code: string,
): Promise<ApiErrorBody<Details>> {
  const text = await res.text();
  expect(res.status(), text).toBe(status);
  expect(res.status()).not.toBe(500);
  expect(text).not.toMatch(STACK_TRACE);
  expect(res.headers()["content-type"]).toContain("application/json");
  const body = JSON.parse(text) as { error: ApiErrorBody<Details> };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  expect(body.error.message.length).toBeGreaterThan(0);
  expect(body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  return body.error;
}

export async function createKey(
  request: APIRequestContext,
  token: string,
  body: { name?: string; scopes?: string[]; environment?: "live" | "test"; expiresAt?: string } = {},
): Promise<{ id: string; key: string }> {
  const res = await request.post("/api/v1/keys", {
    headers: { authorization: `Bearer ${token}` },
    data: { name: "e2e key", ...body },
  });
  if (res.status() !== 201) throw new Error(`key create failed: ${res.status()} ${await res.text()}`);
  return (await res.json()) as { id: string; key: string };
}

export async function verify(request: APIRequestContext, key: string, scopes?: string[]) {
  const res = await request.post("/v1/verify", { data: { key, ...(scopes ? { scopes } : {}) } });
  return { status: res.status(), body: (await res.json()) as { valid: boolean; code: string; keyId?: string } };
}
