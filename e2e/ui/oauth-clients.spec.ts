// The OAuth clients page in a real browser: create a confidential client, see
// its secret once (gone after reload), rotate it, revoke it; public clients;
// form validation messages.
import { expect, test, type Browser, type Page } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { newDeveloper, type SignedIn } from "../fixtures";

const CLIENT_ID = /^gc_[0-9A-Za-z]{24}$/;
const CLIENT_SECRET = /^gcs_[0-9A-Za-z]{38}$/;
// Columns: name, client id, type, grant types, redirect URIs, scopes, secret, created, status, actions.
const SECRET_CELL = 6;
const STATUS_CELL = 8;

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: baseURL });
  return context.newPage();
}

/** From the landing page to OAuth clients through the main navigation. */
async function openClientsPage(page: Page): Promise<string> {
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  const slug = new URL(page.url()).pathname.split("/")[1];
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav.getByRole("link")).toHaveText(["API keys", "OAuth clients", "Simulator", "Settings"]);
  await nav.getByRole("link", { name: "OAuth clients" }).click();
  await expect(page).toHaveURL(new RegExp(`/${slug}/oauth-clients$`));
  await expect(page.getByRole("heading", { name: "OAuth clients", level: 1 })).toBeVisible();
  await expect(nav.getByRole("link", { name: "OAuth clients" })).toHaveAttribute("aria-current", "page");
  return slug;
}

async function secretsInStorage(page: Page): Promise<string> {
  return page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
}

test("create a confidential client, see its secret once, rotate it, revoke it", async ({ browser }) => {
  const dev = await newDeveloper("ui-oauth");
  const page = await pageFor(browser, dev);
  const name = `reporting-${Date.now().toString(36)}`;
  await openClientsPage(page);
  await expect(page.getByText("No OAuth clients yet.")).toBeVisible();

  await page.getByRole("button", { name: "Create OAuth client" }).click();
  const create = page.getByRole("dialog", { name: "Create an OAuth client" });
  await expect(create).toBeVisible();
  await create.getByLabel("Name").fill(name);
  await expect(create.getByRole("radio", { name: "Confidential" })).toBeChecked();
  await expect(create.getByRole("checkbox", { name: "authorization_code" })).toBeChecked();
  await create.getByRole("checkbox", { name: "refresh_token" }).check();
  await create.getByRole("checkbox", { name: "client_credentials" }).check();
  await create
    .getByLabel("Redirect URIs")
    .fill("https://app.example.com/callback\n\n  http://localhost:3000/callback/  \n");
  await create.getByRole("checkbox", { name: /^read:profile\b/ }).check();
  await create.getByRole("checkbox", { name: /^view:logs\b/ }).check();
  await create.getByLabel("Client authentication").selectOption("client_secret_post");
  await create.getByRole("button", { name: "Create", exact: true }).click();

  const reveal = page.getByRole("dialog", { name: "Your new OAuth client" });
  await expect(reveal).toBeVisible();
  const clientId = (await reveal.getByTestId("client-id-value").textContent())?.trim() ?? "";
  expect(clientId).toMatch(CLIENT_ID);
  const secret = (await reveal.getByTestId("secret-value").textContent())?.trim() ?? "";
  expect(secret).toMatch(CLIENT_SECRET);
  await reveal.getByRole("button", { name: "Copy", exact: true }).click();
  await expect(reveal.getByRole("button", { name: "Copied" })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await reveal.getByRole("button", { name: "Copy client ID" }).click();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(clientId);
  await reveal.getByRole("button", { name: "Done" }).click();
  await expect(reveal).toBeHidden();

  const row = page.getByRole("row").filter({ hasText: name });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText(clientId);
  await expect(row).toContainText("confidential");
  await expect(row).toContainText("authorization_code");
  await expect(row).toContainText("client_credentials");
  await expect(row).toContainText("https://app.example.com/callback");
  // Stored exactly as typed (trailing slash kept), one URI per line.
  await expect(row).toContainText("http://localhost:3000/callback/");
  await expect(row).toContainText("read:profile");
  await expect(row).toContainText("view:logs");
  await expect(row.getByRole("cell").nth(SECRET_CELL)).toHaveText(`gcs_…${secret.slice(-4)}`);
  await expect(row.getByRole("cell").nth(STATUS_CELL)).toHaveText("active");
  expect(await page.content()).not.toContain(secret);

  await page.reload();
  await expect(row.getByRole("cell").nth(STATUS_CELL)).toHaveText("active");
  await expect(row).toContainText(clientId);
  expect(await page.content()).not.toContain(secret);
  expect(await secretsInStorage(page)).not.toContain(secret);

  // The REST view agrees (same session), and never carries the secret.
  const viaApi = await page.request.get("/api/v1/oauth-clients");
  const apiText = await viaApi.text();
  expect(apiText).not.toContain(secret);
  expect(JSON.parse(apiText)).toMatchObject({
    data: [{ clientId, name, tokenEndpointAuthMethod: "client_secret_post", secretLast4: secret.slice(-4) }],
  });

  await row.getByRole("button", { name: `Rotate secret for ${name}` }).click();
  const rotate = page.getByRole("dialog", { name: "Rotate client secret" });
  await expect(rotate).toBeVisible();
  await expect(rotate).toContainText(name);
  const grace = rotate.getByLabel("Grace period for the old secret");
  await expect(grace).toHaveValue("3600");
  await expect(grace.getByRole("option")).toHaveText([
    "None — the old secret stops now",
    "1 hour",
    "24 hours",
    "7 days",
  ]);
  await grace.selectOption({ label: "24 hours" });
  await rotate.getByRole("button", { name: "Rotate secret", exact: true }).click();

  const rotated = page.getByRole("dialog", { name: "Your new client secret" });
  await expect(rotated).toBeVisible();
  const newSecret = (await rotated.getByTestId("secret-value").textContent())?.trim() ?? "";
  expect(newSecret).toMatch(CLIENT_SECRET);
  expect(newSecret).not.toBe(secret);
  await expect(rotated.getByTestId("previous-secret-note")).toContainText("The previous secret keeps working until");
  await rotated.getByRole("button", { name: "Done" }).click();
  await expect(rotated).toBeHidden();
  await expect(row.getByRole("cell").nth(SECRET_CELL)).toContainText(`gcs_…${newSecret.slice(-4)}`);
  await expect(row.getByRole("cell").nth(SECRET_CELL)).toContainText("previous works until");

  await page.reload();
  await expect(row.getByRole("cell").nth(SECRET_CELL)).toContainText(`gcs_…${newSecret.slice(-4)}`);
  expect(await page.content()).not.toContain(newSecret);
  expect(await secretsInStorage(page)).not.toContain(newSecret);

  await row.getByRole("button", { name: `Revoke ${name}` }).click();
  const confirm = page.getByRole("dialog", { name: "Revoke this OAuth client?" });
  await expect(confirm).toBeVisible();
  await expect(confirm).toContainText(name);
  await expect(confirm).toContainText(clientId);
  await confirm.getByRole("button", { name: "Revoke client" }).click();
  await expect(confirm).toBeHidden();
  await expect(row.getByRole("cell").nth(STATUS_CELL)).toHaveText("revoked");
  await expect(row.getByRole("button", { name: `Revoke ${name}` })).toHaveCount(0);
  await expect(row.getByRole("button", { name: `Rotate secret for ${name}` })).toHaveCount(0);

  await page.reload();
  await expect(row.getByRole("cell").nth(STATUS_CELL)).toHaveText("revoked");
  await page.context().close();
});

test("public clients get no secret; the form explains what it refuses", async ({ browser }) => {
  const dev = await newDeveloper("ui-oauth-public");
  const page = await pageFor(browser, dev);
  await openClientsPage(page);

  await page.getByRole("button", { name: "Create OAuth client" }).click();
  const create = page.getByRole("dialog", { name: "Create an OAuth client" });
  await create.getByLabel("Name").fill("spa");
  await create.getByRole("radio", { name: "Public" }).check();
  // No secret, so no client_credentials and no client authentication choice.
  await expect(create.getByRole("checkbox", { name: "client_credentials" })).toBeDisabled();
  await expect(create.getByLabel("Client authentication")).toHaveCount(0);

  // Without authorization_code there is nothing to redirect to, and no refresh tokens.
  await create.getByRole("checkbox", { name: "authorization_code" }).uncheck();
  await expect(create.getByLabel("Redirect URIs")).toBeDisabled();
  await expect(create.getByRole("checkbox", { name: "refresh_token" })).toBeDisabled();
  await expect(create.getByRole("button", { name: "Create", exact: true })).toBeDisabled();
  await create.getByRole("checkbox", { name: "authorization_code" }).check();
  await create.getByRole("checkbox", { name: "refresh_token" }).check();

  await create.getByLabel("Redirect URIs").fill("http://app.example.com/callback");
  await create.getByRole("button", { name: "Create", exact: true }).click();
  await expect(create.getByRole("alert")).toContainText("must use https");

  await create.getByLabel("Redirect URIs").fill("http://127.0.0.1:5173/callback");
  await create.getByRole("button", { name: "Create", exact: true }).click();
  const reveal = page.getByRole("dialog", { name: "Your new OAuth client" });
  await expect(reveal).toBeVisible();
  await expect(reveal.getByTestId("client-id-value")).toHaveText(CLIENT_ID);
  await expect(reveal.getByTestId("secret-value")).toHaveCount(0);
  await expect(reveal).toContainText("Public clients have no secret");
  await reveal.getByRole("button", { name: "Done" }).click();

  const row = page.getByRole("row").filter({ hasText: "spa" });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText("public");
  await expect(row.getByRole("cell").nth(SECRET_CELL)).toHaveText("—");
  await expect(row.getByRole("button", { name: "Rotate secret for spa" })).toHaveCount(0);
  await expect(row.getByRole("button", { name: "Revoke spa" })).toBeVisible();
  await page.context().close();
});
