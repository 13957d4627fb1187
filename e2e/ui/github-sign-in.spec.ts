// "Sign in with GitHub" in a real browser against the mock GitHub that
// e2e/global-setup.ts starts (GITHUB_URL / GITHUB_API_URL point at it): a new
// GitHub user gets an account and a personal org and comes back to the same org
// by GitHub id; a GitHub email that belongs to a password account is refused,
// never silently linked.
import { randomInt } from "node:crypto";
import { expect, test, type Browser, type BrowserContext, type Page } from "@playwright/test";
import pg from "pg";
import { ADMIN_EMAIL, ADMIN_PASSWORD, newDeveloper, signIn, uniqueEmail } from "../fixtures";
import { setNextGitHubUser, type MockGitHubUser } from "../support/mock-github";

test.skip(!process.env.E2E_MOCK_GITHUB_URL, "needs the mock GitHub that global-setup starts with Gatehouse");

const NOT_LINKED = "That GitHub account's email belongs to an existing account. Sign in with your password.";

function gitHubUser(tag: string, extra: Partial<MockGitHubUser> = {}): MockGitHubUser {
  const id = randomInt(1_000_000, 2 ** 31 - 1);
  return { id, login: `${tag}-${id.toString(36)}`, name: `Octo ${tag}`, email: uniqueEmail(tag), ...extra };
}

/** A fresh browser context that signs in with GitHub as `user` from /sign-in; callers wait for where it ends. */
async function signInWithGitHub(
  browser: Browser,
  user: MockGitHubUser,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  await setNextGitHubUser(context.request, user);
  const page = await context.newPage();
  await page.goto("/sign-in");
  await page.getByRole("button", { name: "Sign in with GitHub" }).click();
  return { context, page };
}

async function sessionEmail(page: Page): Promise<string | undefined> {
  return page.evaluate(async () => {
    const session = (await (await fetch("/api/auth/session")).json()) as { user?: { email?: string } };
    return session.user?.email;
  });
}

/** Rows of the admin's audit trail (newest first) as [when, action, actor, target, ip, user agent]. */
async function auditRows(browser: Browser): Promise<string[][]> {
  const admin = await signIn(ADMIN_EMAIL, ADMIN_PASSWORD);
  const context = await browser.newContext({ storageState: admin.storageState });
  const page = await context.newPage();
  await page.goto("/admin/audit");
  await expect(page.getByRole("heading", { name: "Audit trail" })).toBeVisible();
  const rows = await page
    .locator("tbody tr")
    .evaluateAll((trs) => trs.map((tr) => Array.from(tr.querySelectorAll("td"), (td) => td.textContent?.trim() ?? "")));
  await context.close();
  await admin.request.dispose();
  return rows;
}

/**
 * The server's own rows, when the run is on TEST_DATABASE_URL (the embedded
 * database has one connection, the server's): what the portal does not show,
 * the audit event's context and the users holding an email or GitHub id.
 */
async function fromServerDb<T>(query: (db: pg.Client) => Promise<T>): Promise<T | undefined> {
  if (!process.env.E2E_DATABASE_URL) return undefined;
  const db = new pg.Client({ connectionString: process.env.E2E_DATABASE_URL });
  await db.connect();
  try {
    return await query(db);
  } finally {
    await db.end();
  }
}

test("a new GitHub user gets an account and org, audited, and signs back in to the same org", async ({ browser }) => {
  // Private email: the address comes from GET /user/emails, which must hit GITHUB_API_URL too.
  const gh = gitHubUser("gh-new", { privateEmail: true });

  const first = await signInWithGitHub(browser, gh);
  await expect(first.page).toHaveURL(/\/[^/]+\/keys$/);
  await expect(first.page.getByRole("heading", { name: "API keys", level: 1 })).toBeVisible();
  await expect(first.page.getByRole("banner")).toContainText(gh.email!);
  expect(await sessionEmail(first.page)).toBe(gh.email);
  const slug = new URL(first.page.url()).pathname.split("/")[1];
  await first.context.close();

  // Same GitHub id, new browser: linked by id, so the same account and org.
  const again = await signInWithGitHub(browser, gh);
  await expect(again.page).toHaveURL(new RegExp(`^[^?]+/${slug}/keys$`));
  expect(await sessionEmail(again.page)).toBe(gh.email);
  await again.context.close();

  const signups = (await auditRows(browser)).filter((r) => r[1] === "user.signup" && r[2] === gh.email);
  expect(signups, "one user.signup event for the GitHub user").toHaveLength(1);
  expect(signups[0][3]).toMatch(/^user:/);

  const db = await fromServerDb(async (db) => ({
    users: (await db.query("SELECT id, github_id FROM users WHERE email = $1", [gh.email])).rows,
    events: (
      await db.query("SELECT actor_id, context FROM audit_events WHERE action = 'user.signup' AND actor_label = $1", [
        gh.email,
      ])
    ).rows,
  }));
  if (db) {
    expect(db.users).toEqual([{ id: expect.any(String), github_id: String(gh.id) }]);
    expect(db.events).toHaveLength(1);
    expect(db.events[0].actor_id).toBe(db.users[0].id);
    expect(db.events[0].context).toMatchObject({ method: "github" });
  }
});

test("a GitHub email that belongs to a password account is refused, not linked", async ({ browser }) => {
  const dev = await newDeveloper("gh-taken");
  // GitHub keeps the case the user typed; Gatehouse compares emails lowercased.
  const gh = gitHubUser("gh-taken", { email: dev.email.replace(/^./, (c) => c.toUpperCase()) });

  for (const attempt of [1, 2]) {
    const { context, page } = await signInWithGitHub(browser, gh);
    await expect(page, `attempt ${attempt}`).toHaveURL(/\/sign-in\?error=OAuthAccountNotLinked$/);
    // Scoped to the form: Next's route announcer is a role=alert too.
    await expect(page.locator("form").getByRole("alert")).toHaveText(NOT_LINKED);
    expect(await sessionEmail(page)).toBeUndefined();
    await context.close();
  }

  // The password account is untouched and still the only one for that email.
  const again = await signIn(dev.email);
  await again.request.dispose();
  await dev.request.dispose();
  const signups = (await auditRows(browser)).filter((r) => r[1] === "user.signup" && r[2].toLowerCase() === dev.email);
  expect(signups, "only the password sign-up").toHaveLength(1);

  const db = await fromServerDb(async (db) => ({
    byEmail: (await db.query("SELECT github_id FROM users WHERE lower(email) = $1", [dev.email])).rows,
    byGitHub: (await db.query("SELECT id FROM users WHERE github_id = $1", [String(gh.id)])).rows,
  }));
  if (db) {
    expect(db.byEmail).toEqual([{ github_id: null }]);
    expect(db.byGitHub).toEqual([]);
  }
});
