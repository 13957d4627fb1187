// Editing a key's policy in the portal: IP allowlist and a time window saved,
// still there after a reload, summarised as badges in the keys table; a bad
// value is shown next to its field and nothing is saved.
import { expect, request as playwrightRequest, test, type Browser, type Page } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { createKey, managementToken, newDeveloper, type SignedIn } from "../fixtures";

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  return context.newPage();
}

async function storedKey(token: string, id: string) {
  const api = await playwrightRequest.newContext({ baseURL });
  const res = await api.get(`/api/v1/keys/${id}`, { headers: { authorization: `Bearer ${token}` } });
  const body = (await res.json()) as { policy: Record<string, unknown>; remaining: number | null };
  await api.dispose();
  return body;
}

test("edit a key's IP allowlist and time window; reload shows them; the table shows badges", async ({ browser }) => {
  const dev = await newDeveloper("ui-policy");
  const token = await managementToken(dev);
  const keyName = `policy-${Date.now().toString(36)}`;
  const key = await createKey(dev.request, token, { name: keyName, scopes: ["read:profile"] });
  const page = await pageFor(browser, dev);

  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  const slug = new URL(page.url()).pathname.split("/")[1];
  const row = page.getByRole("row").filter({ hasText: keyName });
  await expect(row.getByTestId("key-policy")).toHaveText("");
  await row.getByRole("link", { name: `Edit policy of ${keyName}` }).click();
  await expect(page).toHaveURL(`${baseURL}/${slug}/keys/${key.id}`);
  await expect(page.getByRole("heading", { name: `Policy for ${keyName}`, level: 1 })).toBeVisible();
  await expect(page.getByTestId("saved-policy")).toContainText("Nothing set on this key");

  await page.getByLabel("Allowed IPs and CIDR ranges").fill("10.0.0.0/8\n  192.168.1.0/24  \n\n");
  await page.getByRole("button", { name: "Add time window" }).click();
  const w = page.getByRole("group", { name: "Time window 1" });
  // Defaults: Mon–Fri checked, the browser's time zone.
  for (const d of ["Mon", "Tue", "Wed", "Thu", "Fri"]) await expect(w.getByLabel(d, { exact: true })).toBeChecked();
  await expect(w.getByLabel("Sat", { exact: true })).not.toBeChecked();
  await expect(w.getByLabel("Time zone")).not.toHaveValue("");
  await w.getByLabel("Start").fill("08:00");
  await w.getByLabel("End").fill("18:00");
  await w.getByLabel("Time zone").fill("Europe/Berlin");
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByRole("status")).toHaveText("Policy saved.");

  const saved = page.getByTestId("saved-policy");
  await expect(saved).toContainText("IP allowlist");
  await expect(saved).toContainText("Mon–Fri 08:00–18:00 Europe/Berlin");
  expect((await storedKey(token, key.id)).policy).toEqual({
    ipAllowlist: ["10.0.0.0/8", "192.168.1.0/24"],
    timeWindows: [
      { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" },
    ],
  });

  await page.reload();
  await expect(page.getByLabel("Allowed IPs and CIDR ranges")).toHaveValue("10.0.0.0/8\n192.168.1.0/24");
  const reloaded = page.getByRole("group", { name: "Time window 1" });
  await expect(reloaded.getByLabel("Start")).toHaveValue("08:00");
  await expect(reloaded.getByLabel("End")).toHaveValue("18:00");
  await expect(reloaded.getByLabel("Time zone")).toHaveValue("Europe/Berlin");
  await expect(reloaded.getByLabel("Sat", { exact: true })).not.toBeChecked();
  await expect(page.getByTestId("saved-policy")).toContainText("Mon–Fri 08:00–18:00 Europe/Berlin");

  // Only what changed is sent: saving again without edits sends nothing.
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByRole("status")).toHaveText("Nothing to save: no changes.");

  await page.getByRole("link", { name: "← API keys" }).click();
  const badges = page.getByRole("row").filter({ hasText: keyName }).getByTestId("key-policy");
  await expect(badges).toContainText("IP allowlist");
  await expect(badges).toContainText("Mon–Fri 08:00–18:00 Europe/Berlin");
  await page.context().close();
});

test("server validation errors appear next to their field and nothing is saved", async ({ browser }) => {
  const dev = await newDeveloper("ui-policy-422");
  const token = await managementToken(dev);
  const key = await createKey(dev.request, token, { name: "validated" });
  const page = await pageFor(browser, dev);
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  const slug = new URL(page.url()).pathname.split("/")[1];
  await page.goto(`/${slug}/keys/${key.id}`);

  await page.getByLabel("Allowed IPs and CIDR ranges").fill("10.0.0.0/8\n10.0.0.300/8");
  await page.getByRole("button", { name: "Add time window" }).click();
  const w = page.getByRole("group", { name: "Time window 1" });
  await w.getByLabel("Time zone").fill("Mars/Olympus");
  await page.getByRole("button", { name: "Add rate limit" }).click();
  await page.getByRole("button", { name: "Add rate limit" }).click();
  await page.getByRole("button", { name: "Save policy" }).click();

  await expect(page.locator("form").getByRole("alert")).toContainText("Some values need fixing");
  await expect(page.getByText("Line 2 (10.0.0.300/8): Not an IPv4/IPv6 address or CIDR range")).toBeVisible();
  await expect(w.getByTestId("field-error")).toContainText("Time zone: Unknown IANA time zone");
  await expect(page.getByText("One limit per window length.")).toBeVisible();
  expect(await storedKey(token, key.id)).toMatchObject({ policy: {} });

  // Fixing the values saves them.
  await page.getByLabel("Allowed IPs and CIDR ranges").fill("10.0.0.0/8");
  await w.getByLabel("Time zone").fill("UTC");
  await page.getByRole("button", { name: "Remove rate limit 2" }).click();
  await page.getByRole("button", { name: "Save policy" }).click();
  await expect(page.getByRole("status")).toHaveText("Policy saved.");
  await expect(page.getByTestId("field-error")).toHaveCount(0);
  expect((await storedKey(token, key.id)).policy).toMatchObject({
    ipAllowlist: ["10.0.0.0/8"],
    rateLimits: [{ limit: 10, windowSeconds: 1 }],
  });
  await page.context().close();
});
