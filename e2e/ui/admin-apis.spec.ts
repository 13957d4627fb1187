// The admin's API catalog in a real browser: register an API by pasting its
// OpenAPI document and see its route rules; load a document from a file; see
// every problem of an invalid document; download the export; re-import; delete.
import { readFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { expect, test, type Browser, type Page } from "@playwright/test";
import { ADMIN_EMAIL, ADMIN_PASSWORD, newDeveloper, signIn, type SignedIn } from "../fixtures";

const PETSTORE_YAML = readFileSync("tests/fixtures/petstore.openapi.yaml", "utf8");
const PETSTORE_JSON_PATH = "tests/fixtures/petstore.openapi.json";

const unique = () => `${Date.now().toString(36)}${randomBytes(2).toString("hex")}`;

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  return context.newPage();
}

async function adminPage(browser: Browser): Promise<Page> {
  return pageFor(browser, await signIn(ADMIN_EMAIL, ADMIN_PASSWORD));
}

async function fillRegisterForm(page: Page, name: string, basePath: string) {
  const form = page.getByRole("form", { name: "Register an API" });
  await form.getByLabel("Name", { exact: true }).fill(name);
  await form.getByLabel("Base path").fill(basePath);
  await form.getByLabel("Upstream URL").fill("http://pets.internal:8080");
  return form;
}

/** Rows of the route rules table as [method, path, operation, access] text. */
async function ruleRows(page: Page): Promise<string[][]> {
  const rows = page.getByRole("table", { name: "Route rules" }).locator("tbody tr");
  const out: string[][] = [];
  for (const row of await rows.all()) {
    out.push((await row.locator("td").allInnerTexts()).map((t) => t.replace(/\s+/g, " ").trim()));
  }
  return out;
}

test("register an API by pasting its OpenAPI document, see its route rules, download the export", async ({
  browser,
}) => {
  const page = await adminPage(browser);
  const name = `Petstore ${unique()}`;
  const basePath = `/ui-${unique()}`;

  await page.goto("/admin/audit");
  await page.getByRole("navigation", { name: "Administration" }).getByRole("link", { name: "APIs" }).click();
  await expect(page).toHaveURL(/\/admin\/apis$/);
  await expect(page.getByRole("heading", { name: "APIs", level: 1 })).toBeVisible();

  const form = await fillRegisterForm(page, name, basePath);
  await form.getByLabel("OpenAPI document (optional)").fill(PETSTORE_YAML);
  await form.getByRole("button", { name: "Register API" }).click();

  await expect(page).toHaveURL(/\/admin\/apis\/[^/]+$/);
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await expect(page.getByRole("table", { name: "Route rules" })).toBeVisible();
  expect(await ruleRows(page)).toEqual([
    ["GET", `${basePath}/health`, "health", "Public"],
    ["GET", `${basePath}/pets`, "listPets", "read:pets"],
    ["POST", `${basePath}/pets`, "createPet", "read:pets + write:pets or any valid credential"],
    ["GET", `${basePath}/pets/{petId}`, "showPetById", "Public or read:pets"],
    ["DELETE", `${basePath}/pets/{petId}`, "deletePet", "admin:pets"],
    ["GET", `${basePath}/stores`, "listStores", "any valid credential"],
  ]);

  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: "Download OpenAPI" }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/\.openapi\.json$/);
  const exported = JSON.parse(readFileSync((await download.path()) as string, "utf8")) as {
    paths: Record<string, unknown>;
    components: { securitySchemes: Record<string, unknown> };
  };
  expect(Object.keys(exported.paths).sort()).toEqual(["/health", "/pets", "/pets/{petId}", "/stores"]);
  expect(Object.keys(exported.components.securitySchemes).sort()).toEqual(["api_key", "petstore_auth"]);

  // The list shows it with its rule count and links back.
  await page.getByRole("link", { name: "← All APIs" }).click();
  const row = page.getByRole("table", { name: "APIs" }).getByRole("row").filter({ hasText: basePath });
  await expect(row).toHaveCount(1);
  await expect(row.getByRole("cell").nth(3)).toHaveText("6");
  await row.getByRole("link", { name }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  await page.context().close();
});

test("load the document from a file; an invalid document lists every problem; re-import; delete", async ({
  browser,
}) => {
  const page = await adminPage(browser);
  const name = `Files ${unique()}`;
  const basePath = `/ui-${unique()}`;
  await page.goto("/admin/apis");

  // Invalid first: the problems are listed and nothing is registered.
  let form = await fillRegisterForm(page, name, basePath);
  await form
    .getByLabel("OpenAPI document (optional)")
    .fill('{"openapi":"3.0.3","info":{"title":"x"},"paths":{"/a":{"get":{"responses":{"200":{}}}}}}');
  await form.getByRole("button", { name: "Register API" }).click();
  const alert = form.getByRole("alert");
  await expect(alert).toContainText("The OpenAPI document is invalid (2 problems).");
  const problems = alert.getByRole("list", { name: "Problems" }).getByRole("listitem");
  await expect(problems).toHaveText([
    "openapi.info: missing required property 'version'",
    "openapi.paths./a.get.responses.200: missing required property 'description'",
  ]);
  await expect(page).toHaveURL(/\/admin\/apis$/);

  // A reserved base path is refused with the field named.
  await form.getByLabel("Base path").fill("/admin");
  await form.getByLabel("OpenAPI document (optional)").fill("");
  await form.getByRole("button", { name: "Register API" }).click();
  await expect(form.getByRole("alert")).toContainText("collides with Gatehouse's own path /admin");

  // Now from a file: the JSON 3.0 fixture fills the text area.
  await page.reload();
  form = await fillRegisterForm(page, name, basePath);
  await form.getByLabel("Or load a file (JSON or YAML)").setInputFiles(PETSTORE_JSON_PATH);
  await expect(form.getByLabel("OpenAPI document (optional)")).toHaveValue(/"openapi": "3\.0\.3"/);
  await form.getByRole("button", { name: "Register API" }).click();
  await expect(page.getByRole("heading", { name, level: 1 })).toBeVisible();
  expect((await ruleRows(page)).map((r) => `${r[0]} ${r[1]}`)).toEqual([
    `GET ${basePath}/health`,
    `GET ${basePath}/pets`,
    `POST ${basePath}/pets`,
    `GET ${basePath}/pets/{petId}`,
    `DELETE ${basePath}/pets/{petId}`,
    `GET ${basePath}/stores`,
  ]);

  // Re-import a smaller document: its rules replace the old ones.
  const reimport = page.getByRole("form", { name: "Re-import OpenAPI" });
  await reimport
    .getByLabel("New OpenAPI document")
    .fill(
      "openapi: 3.1.0\ninfo: {title: v2, version: '2'}\nsecurity: [{key: []}]\ncomponents:\n  securitySchemes:\n    key: {type: apiKey, name: X-Key, in: header}\npaths:\n  /v2/things:\n    get:\n      operationId: listThings\n      responses: {'200': {description: ok}}\n",
    );
  await reimport.getByRole("button", { name: "Replace route rules" }).click();
  await expect(reimport.getByRole("status")).toHaveText("Imported: 1 route rule.");
  await expect
    .poll(() => ruleRows(page))
    .toEqual([["GET", `${basePath}/v2/things`, "listThings", "any valid credential"]]);

  // Delete, confirmed; back on the list without it.
  await page.getByRole("button", { name: "Delete API" }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this API?" });
  await expect(dialog).toContainText(basePath);
  await dialog.getByRole("button", { name: "Delete API" }).click();
  await expect(page).toHaveURL(/\/admin\/apis$/);
  await expect(page.getByText(basePath)).toHaveCount(0);
  await page.context().close();
});

test("a developer cannot see the catalog pages", async ({ browser }) => {
  const dev = await newDeveloper("ui-catalog");
  const page = await pageFor(browser, dev);
  const res = await page.goto("/admin/apis");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("table", { name: "APIs" })).toHaveCount(0);
  await page.context().close();
});
