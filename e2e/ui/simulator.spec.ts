// The access simulator in the portal: a key with an IP allowlist is denied from
// outside it (IP_NOT_ALLOWED, the ip_allowlist rule failing and highlighted) and
// allowed from inside it. Admins can simulate any key by id at /admin/simulator.
import { expect, request as playwrightRequest, test, type Browser, type Page } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  createKey,
  managementToken,
  newDeveloper,
  signIn,
  verify,
  type SignedIn,
} from "../fixtures";

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  return context.newPage();
}

async function allowlistedKey(tag: string) {
  const dev = await newDeveloper(tag);
  const token = await managementToken(dev);
  const name = `${tag}-${Date.now().toString(36)}`;
  const key = await createKey(dev.request, token, { name, scopes: ["read:profile"] });
  const api = await playwrightRequest.newContext({ baseURL });
  const res = await api.patch(`/api/v1/keys/${key.id}`, {
    headers: { authorization: `Bearer ${token}` },
    data: { ipAllowlist: ["10.0.0.0/8"] },
  });
  expect(res.status(), await res.text()).toBe(200);
  await api.dispose();
  return { dev, token, key, name };
}

async function simulate(page: Page, ip: string) {
  await page.getByLabel("Client IP").fill(ip);
  await page.getByRole("button", { name: "Simulate" }).click();
}

test("an IP allowlist of 10.0.0.0/8: 203.0.113.9 is denied by ip_allowlist, 10.1.2.3 is allowed", async ({
  browser,
}) => {
  const { dev, key, name } = await allowlistedKey("sim");
  const page = await pageFor(browser, dev);
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Simulator" }).click();
  await expect(page.getByRole("heading", { name: "Access simulator", level: 1 })).toBeVisible();

  // A <select>'s accessible name includes its current option: "Key <name> (gk_…)".
  const keySelect = page.getByRole("combobox", { name: /^Key\b/ });
  await keySelect.selectOption(key.id);
  await expect(keySelect.locator("option:checked")).toContainText(name);
  await page.getByLabel("Method").selectOption("GET");
  await page.getByLabel("Path").fill("/v1/profile");

  await simulate(page, "203.0.113.9");
  const decision = page.getByTestId("decision");
  await expect(decision).toContainText("Denied");
  await expect(page.getByTestId("decision-code")).toHaveText("IP_NOT_ALLOWED");
  await expect(page.getByTestId("decision-status")).toHaveText("403");
  const trace = page.getByRole("table", { name: "Decision trace" });
  const ipRow = trace.locator('tr[data-rule="ip_allowlist"]');
  await expect(ipRow).toHaveCount(1);
  await expect(ipRow).toHaveAttribute("data-outcome", "fail");
  await expect(ipRow).toHaveAttribute("data-deciding", "true");
  await expect(ipRow.getByRole("cell").nth(1)).toHaveText("fail");
  await expect(ipRow).toContainText("deciding rule");
  await expect(trace.locator("tr[data-deciding]")).toHaveCount(1);

  await simulate(page, "10.1.2.3");
  await expect(decision).toContainText("Allowed");
  await expect(page.getByTestId("decision-code")).not.toHaveText("IP_NOT_ALLOWED");
  await expect(page.getByTestId("decision-status")).toHaveText("200");
  await expect(trace.locator('tr[data-rule="ip_allowlist"]')).toHaveAttribute("data-outcome", "pass");
  await expect(trace.locator("tr[data-deciding]")).toHaveCount(0);

  // The simulator and the real data plane agree: this test calls from 127.0.0.1, outside 10.0.0.0/8.
  expect((await verify(page.request, key.key, ["read:profile"])).body).toMatchObject({
    valid: false,
    code: "IP_NOT_ALLOWED",
  });
  await page.context().close();
});

test("date and time is the browser's local time: a Berlin office-hours window seen from New York", async ({
  browser,
}) => {
  const dev = await newDeveloper("sim-time");
  const token = await managementToken(dev);
  const key = await createKey(dev.request, token, { name: "office-hours" });
  const api = await playwrightRequest.newContext({ baseURL });
  const res = await api.patch(`/api/v1/keys/${key.id}`, {
    headers: { authorization: `Bearer ${token}` },
    data: {
      timeWindows: [
        { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" },
      ],
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  await api.dispose();

  const context = await browser.newContext({ storageState: dev.storageState, timezoneId: "America/New_York" });
  const page = await context.newPage();
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  const slug = new URL(page.url()).pathname.split("/")[1];
  await page.goto(`/${slug}/simulator?key=${key.id}`);
  await expect(page.getByRole("combobox", { name: /^Key\b/ }).locator("option:checked")).toContainText("office-hours");

  // Wednesday 07:00 in New York is 13:00 in Berlin: inside the window.
  await page.getByLabel("Date and time").fill("2030-01-09T07:00");
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(page.getByTestId("decision")).toContainText("Allowed");
  await expect(page.locator('tr[data-rule="time_window"]')).toHaveAttribute("data-outcome", "pass");

  // Wednesday 13:00 in New York is 19:00 in Berlin: outside.
  await page.getByLabel("Date and time").fill("2030-01-09T13:00");
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(page.getByTestId("decision-code")).toHaveText("OUTSIDE_TIME_WINDOW");
  const row = page.locator('tr[data-rule="time_window"]');
  await expect(row).toHaveAttribute("data-outcome", "fail");
  await expect(row).toHaveAttribute("data-deciding", "true");
  await context.close();
});

test("a pasted credential is simulated the same way; bad input shows the field's error", async ({ browser }) => {
  const { dev, key } = await allowlistedKey("sim-paste");
  const page = await pageFor(browser, dev);
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  const slug = new URL(page.url()).pathname.split("/")[1];
  await page.goto(`/${slug}/simulator`);
  await page.getByLabel("Paste a credential").check();
  await page.getByLabel("API key or access token").fill(key.key);
  await simulate(page, "203.0.113.9");
  await expect(page.getByTestId("decision-code")).toHaveText("IP_NOT_ALLOWED");

  await simulate(page, "not-an-ip");
  await expect(page.getByTestId("field-error")).toBeVisible();
  await expect(page.getByTestId("decision")).toHaveCount(0);
  await page.context().close();
});

test("admins simulate any organization's key by id; others get not-found", async ({ browser }) => {
  const { key } = await allowlistedKey("sim-admin");
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const page = await pageFor(browser, admin);
  const res = await page.goto(`/admin/simulator`);
  expect(res?.status()).toBe(200);
  await page.getByLabel("Key id").fill(key.id);
  await simulate(page, "203.0.113.9");
  await expect(page.getByTestId("decision-code")).toHaveText("IP_NOT_ALLOWED");
  await expect(page.locator('tr[data-rule="ip_allowlist"]')).toHaveAttribute("data-outcome", "fail");
  await page.context().close();

  // A developer of another organization can't see that key through the portal simulator API…
  const other = await newDeveloper("sim-other");
  const otherPage = await pageFor(browser, other);
  await otherPage.goto("/portal");
  const probe = await otherPage.evaluate(async (keyId) => {
    const r = await fetch("/api/v1/simulate", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ keyId }),
    });
    return r.status;
  }, key.id);
  expect(probe).toBe(404);
  // …nor open the admin page.
  const denied = await otherPage.goto("/admin/simulator");
  expect(denied?.status()).toBe(404);
  await otherPage.context().close();
});
