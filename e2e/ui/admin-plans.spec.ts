// Plans and organization policies in the admin UI: create a plan with a rate
// limit and a quota, see a bad value next to its field, put a developer's
// organization on the plan, set the organization's own policy, change the
// plan, and be refused deleting a plan that is in use. Developers get 404.
import { randomBytes } from "node:crypto";
import { expect, request as playwrightRequest, test, type Browser, type Page } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { ADMIN_EMAIL, ADMIN_PASSWORD, managementToken, newDeveloper, signIn, type SignedIn } from "../fixtures";

const unique = () => `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  return context.newPage();
}

/** What the server stored, read through the REST API with the admin's token. */
async function adminGet<T>(admin: SignedIn, path: string): Promise<T> {
  const token = await managementToken(admin);
  const api = await playwrightRequest.newContext({ baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  const res = await api.get(path);
  expect(res.status(), await res.text()).toBe(200);
  const body = (await res.json()) as T;
  await api.dispose();
  return body;
}

test("create a plan, assign it to an organization, set the org policy, change the plan", async ({ browser }) => {
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const dev = await newDeveloper("ui-plan");
  const page = await pageFor(browser, admin);
  const name = `Pro ${unique()}`;

  await page.goto("/admin/audit");
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Plans" }).click();
  await expect(page).toHaveURL(/\/admin\/plans$/);
  await expect(page.getByRole("heading", { name: "Plans", level: 1 })).toBeVisible();

  // A bad value first: the problem is shown next to its field and nothing is created.
  const create = page.getByRole("form", { name: "Create a plan" });
  await create.getByLabel("Plan name").fill(name);
  await create.getByLabel("Description").fill("Two calls a minute");
  await create.getByLabel("Allowed IPs and CIDR ranges").fill("10.0.0.0/8\nnot-an-ip");
  await create.getByRole("button", { name: "Add rate limit" }).click();
  const limit = create.getByTestId("rate-limit-1");
  await limit.getByLabel("Limit", { exact: true }).fill("2");
  await limit.getByLabel("Window (seconds)").fill("60");
  await create.getByLabel("Quota limit").fill("1000");
  await create.getByRole("button", { name: "Create plan" }).click();
  await expect(create.getByRole("alert")).toHaveText("Some values need fixing (see below).");
  await expect(create.getByTestId("field-error")).toContainText("Line 2 (not-an-ip):");
  await expect(page).toHaveURL(/\/admin\/plans$/);

  await create.getByLabel("Allowed IPs and CIDR ranges").fill("");
  await create.getByRole("button", { name: "Create plan" }).click();
  await expect(page).toHaveURL(/\/admin\/plans\/[^/]+$/);
  const planId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByTestId("saved-policy")).toContainText("2/min");
  await expect(page.getByTestId("saved-policy")).toContainText("1,000/month quota");
  await expect(page.getByRole("link", { name: "0 organizations" })).toBeVisible();

  // The list shows it.
  await page.getByRole("link", { name: "← Plans" }).click();
  const row = page.getByRole("table", { name: "Plans" }).getByRole("row").filter({ hasText: name });
  await expect(row).toContainText("2/min");
  await expect(row).toContainText("Two calls a minute");

  // Find the developer's organization and put it on the plan.
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "Organizations" }).click();
  await expect(page).toHaveURL(/\/admin\/orgs$/);
  const local = dev.email.split("@")[0];
  await page.getByRole("form", { name: "Find organizations" }).getByLabel("Search").fill(local);
  await page.getByRole("button", { name: "Find" }).click();
  const orgRows = page.getByRole("table", { name: "Organizations" }).locator("tbody tr");
  await expect(orgRows).toHaveCount(1);
  await orgRows.getByRole("link").click();
  await expect(page).toHaveURL(/\/admin\/orgs\/[^/]+$/);
  const orgId = new URL(page.url()).pathname.split("/").pop()!;
  await expect(page.getByRole("heading", { name: `${local}'s workspace`, level: 1 })).toBeVisible();

  const planForm = page.getByRole("form", { name: "Plan" });
  await planForm.getByLabel("Plan").selectOption({ label: name });
  await planForm.getByRole("button", { name: "Save plan" }).click();
  await expect(planForm.getByRole("status")).toHaveText(`Now on ${name}.`);
  await expect(page.getByTestId("plan-policy")).toContainText("2/min");
  expect((await adminGet<{ plan: { id: string } | null }>(admin, `/api/v1/admin/orgs/${orgId}`)).plan?.id).toBe(planId);

  // The organization's own policy: a shared rate limit for all its keys.
  const orgPolicy = page.getByRole("form", { name: "Organization policy" });
  await orgPolicy.getByRole("button", { name: "Add rate limit" }).click();
  await orgPolicy.getByTestId("rate-limit-1").getByLabel("Limit", { exact: true }).fill("100");
  await orgPolicy.getByTestId("rate-limit-1").getByLabel("Window (seconds)").fill("3600");
  await orgPolicy.getByRole("button", { name: "Save organization policy" }).click();
  await expect(orgPolicy.getByRole("status")).toHaveText("Saved.");
  await expect(page.getByTestId("saved-policy")).toContainText("100/h");
  await page.reload();
  await expect(page.getByRole("form", { name: "Plan" }).getByLabel("Plan")).toHaveValue(planId);
  await expect(
    page.getByRole("form", { name: "Organization policy" }).getByTestId("rate-limit-1").getByLabel("Window (seconds)"),
  ).toHaveValue("3600");

  // The org list filtered by the plan shows it.
  await page.goto(`/admin/orgs?planId=${planId}`);
  await expect(page.getByRole("table", { name: "Organizations" }).locator("tbody tr")).toHaveCount(1);
  await expect(page.getByRole("table", { name: "Organizations" })).toContainText(name);

  // Change the plan's limit; deleting it is refused while the organization is on it.
  await page.goto(`/admin/plans/${planId}`);
  await expect(page.getByRole("link", { name: "1 organization" })).toBeVisible();
  const edit = page.getByRole("form", { name: "Edit plan" });
  await edit.getByTestId("rate-limit-1").getByLabel("Limit", { exact: true }).fill("5");
  await edit.getByRole("button", { name: "Save plan" }).click();
  await expect(edit.getByRole("status")).toHaveText("Saved.");
  await expect(page.getByTestId("saved-policy")).toContainText("5/min");
  expect(
    (await adminGet<{ policy: { rateLimits: unknown } }>(admin, `/api/v1/admin/plans/${planId}`)).policy.rateLimits,
  ).toEqual([{ limit: 5, windowSeconds: 60 }]);

  await page.getByRole("button", { name: "Delete plan" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this plan?" });
  await expect(dialog).toContainText("used by 1 organization");
  await dialog.getByRole("button", { name: "Delete plan" }).click();
  await expect(dialog.getByRole("alert")).toContainText("is used by 1 organization");
  await page.context().close();
});

test("developers cannot see the plans and organizations pages", async ({ browser }) => {
  const dev = await newDeveloper("ui-plans-404");
  const page = await pageFor(browser, dev);
  for (const path of ["/admin/plans", "/admin/orgs"]) {
    const res = await page.goto(path);
    expect(res?.status()).toBe(404);
  }
  await expect(page.getByRole("table")).toHaveCount(0);
  await page.context().close();
});
