// Shared e2e helpers: sign up and sign in through the real HTTP API (not by
// typing in every test), make management tokens and keys, call the data plane.
import { randomBytes } from "node:crypto";
import { request as playwrightRequest, type APIRequestContext } from "@playwright/test";
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
