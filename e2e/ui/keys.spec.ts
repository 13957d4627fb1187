// The portal in a real browser: sign-up → key lifecycle → verify, tenant
// isolation, sign-in/out, management tokens, and the admin audit trail.
import { expect, request as playwrightRequest, test, type Browser, type Page } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createKey,
  managementToken,
  newDeveloper,
  PASSWORD,
  signIn,
  uniqueEmail,
  verify,
  type SignedIn,
} from "../fixtures";

const LIVE_KEY = /^gk_live_[0-9A-Za-z]{38}$/;

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  return context.newPage();
}

/** The org slug a user lands in: /portal redirects to /<slug>/keys. */
async function orgSlugOf(page: Page): Promise<string> {
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  return new URL(page.url()).pathname.split("/")[1];
}

/** What a fetch from inside the page (same origin, session cookie) gets back. */
async function fetchInPage(page: Page, method: string, path: string) {
  return page.evaluate(
    async ({ method, path }) => {
      const res = await fetch(path, { method });
      return {
        status: res.status,
        body: (await res.json()) as { error?: { code: string; message: string; requestId: string } },
      };
    },
    { method, path },
  );
}

test("sign up, create a key, see it once, verify it, revoke it", async ({ page, context }) => {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  const email = uniqueEmail("ui-loop");
  const keyName = `billing-${Date.now().toString(36)}`;

  await page.goto("/sign-up");
  await page.getByLabel("Name").fill("Ada Loop");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(page.getByText("No keys yet.")).toBeVisible();

  await page.getByRole("button", { name: "Create key" }).click();
  const createDialog = page.getByRole("dialog", { name: "Create an API key" });
  await expect(createDialog).toBeVisible();
  await createDialog.getByLabel("Name").fill(keyName);
  await createDialog.getByRole("checkbox", { name: /^read:profile\b/ }).check();
  await createDialog.getByRole("button", { name: "Create", exact: true }).click();

  const revealDialog = page.getByRole("dialog", { name: "Your new API key" });
  await expect(revealDialog).toBeVisible();
  const secret = (await revealDialog.getByTestId("secret-value").textContent())?.trim() ?? "";
  expect(secret).toMatch(LIVE_KEY);
  const copy = revealDialog.getByRole("button", { name: "Copy" });
  await expect(copy).toBeVisible();
  await copy.click();
  await expect(revealDialog.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await revealDialog.getByRole("button", { name: "Done" }).click();
  await expect(revealDialog).toBeHidden();

  const row = page.getByRole("row").filter({ hasText: keyName });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(`gk_live_…${secret.slice(-4)}`);
  await expect(row).toContainText("read:profile");
  await expect(row.getByRole("cell").nth(6)).toHaveText("active");
  expect(await page.content()).not.toContain(secret);

  await page.reload();
  await expect(row.getByRole("cell").nth(6)).toHaveText("active");
  await expect(row).toContainText(`gk_live_…${secret.slice(-4)}`);
  expect(await page.content()).not.toContain(secret);
  expect(
    await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })),
  ).not.toContain(secret);

  const ok = await verify(page.request, secret, ["read:profile"]);
  expect(ok.status).toBe(200);
  expect(ok.body).toMatchObject({ valid: true, code: "VALID" });
  const lacking = await verify(page.request, secret, ["delete:user"]);
  expect(lacking.body).toMatchObject({ valid: false, code: "INSUFFICIENT_SCOPE" });

  await row.getByRole("button", { name: `Revoke ${keyName}` }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke this key?" });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(keyName);
  await confirm.getByRole("button", { name: "Revoke key" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.getByRole("cell").nth(6)).toHaveText("revoked");
  await expect(row.getByRole("button", { name: `Revoke ${keyName}` })).toHaveCount(0);

  const revoked = await verify(page.request, secret, ["read:profile"]);
  expect(revoked.status).toBe(200);
  expect(revoked.body).toEqual({ valid: false, code: "REVOKED" });
});

test("another tenant's key is invisible and untouchable", async ({ browser }) => {
  const alice = await newDeveloper("ui-alice");
  const bob = await newDeveloper("ui-bob");
  const aliceKeyName = `alice-secret-${Date.now().toString(36)}`;
  const bobKeyName = `bob-own-${Date.now().toString(36)}`;
  const aliceKey = await createKey(alice.request, await managementToken(alice), {
    name: aliceKeyName,
    scopes: ["read:profile"],
  });
  const bobToken = await managementToken(bob);
  await createKey(bob.request, bobToken, { name: bobKeyName });

  const alicePage = await pageFor(browser, alice);
  const aliceSlug = await orgSlugOf(alicePage);
  await expect(alicePage.getByRole("row").filter({ hasText: aliceKeyName })).toHaveCount(1);

  const bobPage = await pageFor(browser, bob);
  const bobSlug = await orgSlugOf(bobPage);
  expect(bobSlug).not.toBe(aliceSlug);

  const expectNotFound = (res: {
    status: number;
    body: { error?: { code: string; message: string; requestId: string } };
  }) => {
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: "not_found", message: expect.any(String), requestId: expect.any(String) },
    });
  };
  // Bob's browser session (same-origin fetch from his page)…
  expectNotFound(await fetchInPage(bobPage, "GET", `/api/v1/keys/${aliceKey.id}`));
  expectNotFound(await fetchInPage(bobPage, "DELETE", `/api/v1/keys/${aliceKey.id}`));
  // …and Bob's management token.
  const api = await playwrightRequest.newContext({ baseURL });
  for (const method of ["get", "delete"] as const) {
    const res = await api[method](`/api/v1/keys/${aliceKey.id}`, { headers: { authorization: `Bearer ${bobToken}` } });
    expectNotFound({ status: res.status(), body: await res.json() });
  }
  // Alice's org by slug, through the API, is not Bob's either.
  expect((await fetchInPage(bobPage, "GET", `/api/v1/keys?org=${aliceSlug}`)).status).toBe(404);

  const still = await verify(api, aliceKey.key, ["read:profile"]);
  expect(still.body).toMatchObject({ valid: true, code: "VALID", keyId: aliceKey.id });
  await api.dispose();

  await expect(bobPage.getByRole("row").filter({ hasText: bobKeyName })).toHaveCount(1);
  await expect(bobPage.getByText(aliceKeyName)).toHaveCount(0);
  expect(await bobPage.content()).not.toContain(aliceKeyName);

  const res = await bobPage.goto(`/${aliceSlug}/keys`);
  expect(res?.status()).toBe(404);
  await expect(bobPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  expect(await bobPage.content()).not.toContain(aliceKeyName);
  await bobPage.context().close();
  await alicePage.context().close();
});

test("sign-in errors say the same thing; sign-out ends the session", async ({ page }) => {
  const dev = await newDeveloper("ui-signin");
  await page.goto("/sign-in");
  // Scoped to the form: Next's route announcer is a role=alert too.
  const alert = page.locator("form").getByRole("alert");

  await page.getByLabel("Email").fill(dev.email);
  await page.getByLabel("Password").fill("not the right password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(alert).toHaveText("Invalid email or password.");
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByLabel("Email").fill(uniqueEmail("nobody"));
  await page.getByLabel("Password").fill("not the right password");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  // Cleared on submit, then the identical message: no way to tell the cases apart.
  await expect(alert).toHaveText("Invalid email or password.");
  await expect(page).toHaveURL(/\/sign-in$/);

  await page.getByLabel("Email").fill(dev.email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  await expect(page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(page.getByRole("banner")).toContainText(dev.email);

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
  await expect(page.getByRole("heading", { name: "Sign in", exact: true })).toBeVisible();
  await page.goto("/portal");
  // The proxy sends signed-out visitors to sign-in, remembering where they were going.
  await expect(page).toHaveURL((url) => url.pathname === "/sign-in");
  await expect(page.getByRole("heading", { name: "Sign in", exact: true })).toBeVisible();
  expect(((await (await page.request.get("/api/auth/session")).json()) as { user?: unknown }).user).toBeUndefined();
});

test("a management token created in settings works with the API", async ({ browser }) => {
  const dev = await newDeveloper("ui-token");
  const page = await pageFor(browser, dev);
  const slug = await orgSlugOf(page);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
  await expect(page).toHaveURL(new RegExp(`/${slug}/settings$`));
  await expect(page.getByRole("heading", { name: "Management tokens" })).toBeVisible();
  await expect(page.getByText("No tokens yet.")).toBeVisible();

  await page.getByRole("button", { name: "Create token" }).click();
  const dialog = page.getByRole("dialog", { name: "Create a management token" });
  await dialog.getByLabel("Name").fill("deploy-pipeline");
  await dialog.getByRole("button", { name: "Create", exact: true }).click();
  const reveal = page.getByRole("dialog", { name: "Your new management token" });
  const token = (await reveal.getByTestId("secret-value").textContent())?.trim() ?? "";
  expect(token).toMatch(/^gmt_[0-9A-Za-z]{38}$/);
  await reveal.getByRole("button", { name: "Done" }).click();
  await expect(reveal).toBeHidden();
  await expect(page.getByRole("listitem").filter({ hasText: "deploy-pipeline" })).toContainText(
    `gmt_…${token.slice(-4)}`,
  );
  expect(await page.content()).not.toContain(token);

  // A client with no cookies at all: only the bearer token can authenticate it.
  const api = await playwrightRequest.newContext({ baseURL });
  const res = await api.get("/api/v1/keys", { headers: { authorization: `Bearer ${token}` } });
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ data: [] });
  const created = await api.post("/api/v1/keys", {
    headers: { authorization: `Bearer ${token}` },
    data: { name: "from-ci" },
  });
  expect(created.status()).toBe(201);
  await api.dispose();
  await page.reload();
  await page.getByRole("link", { name: "API keys" }).click();
  await expect(page.getByRole("row").filter({ hasText: "from-ci" })).toHaveCount(1);
  await page.context().close();
});

test("the admin audit trail shows key events newest first; others get not-found", async ({ browser }) => {
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const token = await managementToken(admin);
  const userAgent = `gatehouse-e2e-audit/${Date.now().toString(36)}`;
  const api = await playwrightRequest.newContext({ baseURL, userAgent });
  const { id } = await createKey(api, token, { name: "audited" });
  const del = await api.delete(`/api/v1/keys/${id}`, { headers: { authorization: `Bearer ${token}` } });
  expect(del.status()).toBe(200);
  await api.dispose();

  const page = await pageFor(browser, admin);
  const res = await page.goto("/admin/audit");
  expect(res?.status()).toBe(200);
  await expect(page.getByRole("heading", { name: "Audit trail" })).toBeVisible();
  const rows = page.locator("tbody tr");
  await expect(rows.first()).toBeVisible();
  const table = await rows.evaluateAll((trs) =>
    trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent?.trim() ?? "")),
  );
  // Columns: When, Action, Actor, Target, IP, User agent.
  const target = `api_key:${id}`;
  const revokeAt = table.findIndex((r) => r[1] === "key.revoke" && r[3] === target);
  const createAt = table.findIndex((r) => r[1] === "key.create" && r[3] === target);
  expect(revokeAt, "key.revoke row").toBeGreaterThanOrEqual(0);
  expect(createAt, "key.create row").toBeGreaterThan(revokeAt);
  // Just done, so near the top even with other tests writing events in parallel.
  expect(revokeAt).toBeLessThan(25);
  for (const r of [table[revokeAt], table[createAt]]) {
    expect(r[2]).toBe(ADMIN_EMAIL);
    expect(r[4]).toMatch(/^(::ffff:)?127\.0\.0\.1$|^::1$/);
    expect(r[5]).toBe(userAgent);
  }
  // Newest first across the page: timestamps never increase going down.
  const times = table.map((r) => Date.parse(r[0].replace(/\s/g, " ")));
  expect(times.every((t) => Number.isFinite(t))).toBe(true);
  for (let i = 1; i < times.length; i++) expect(times[i]).toBeLessThanOrEqual(times[i - 1]);
  await page.context().close();

  const dev = await newDeveloper("ui-not-admin");
  const devPage = await pageFor(browser, dev);
  const denied = await devPage.goto("/admin/audit");
  expect(denied?.status()).toBe(404);
  await expect(devPage.getByRole("heading", { name: "Not found" })).toBeVisible();
  await expect(devPage.getByRole("heading", { name: "Audit trail" })).toHaveCount(0);
  expect(await devPage.content()).not.toContain("key.create");
  await devPage.context().close();
});
