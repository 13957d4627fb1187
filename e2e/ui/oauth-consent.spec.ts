// The authorization-code flow in a real browser: a developer registers an
// OAuth client in the portal, opens the authorization URL, sees the consent
// screen, allows (or denies), lands on the app's callback (a tiny local
// server), and later revokes the app in Settings → Authorized apps.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { expect, test, type Browser, type Page } from "@playwright/test";
import * as oauth from "oauth4webapi";
import { newDeveloper, type SignedIn } from "../fixtures";
import { authorizationServer, createClient, expectRevoked, INSECURE, ISSUER, pkce, verifyToken } from "../oauth";

type Callback = { url: string; close: () => Promise<void> };

/** The "app": a loopback server that answers its callback with the query it got. */
async function startCallbackServer(): Promise<Callback> {
  const server = http.createServer((req, res) => {
    const query = Object.fromEntries(new URL(req.url ?? "/", "http://127.0.0.1").searchParams);
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(
      `<!doctype html><title>Callback</title><pre id="query">${JSON.stringify(query).replace(/</g, "&lt;")}</pre>`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cb`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function pageFor(browser: Browser, who: SignedIn): Promise<Page> {
  const context = await browser.newContext({ storageState: who.storageState });
  return context.newPage();
}

/** Register a confidential client through the portal UI; returns its id and secret. */
async function createClientInPortal(page: Page, name: string, redirectUri: string) {
  await page.goto("/portal");
  await expect(page).toHaveURL(/\/[^/]+\/keys$/);
  const slug = new URL(page.url()).pathname.split("/")[1];
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "OAuth clients" }).click();
  await expect(page.getByRole("heading", { name: "OAuth clients", level: 1 })).toBeVisible();

  await page.getByRole("button", { name: "Create OAuth client" }).click();
  const create = page.getByRole("dialog", { name: "Create an OAuth client" });
  await create.getByLabel("Name").fill(name);
  await expect(create.getByRole("radio", { name: "Confidential" })).toBeChecked();
  await expect(create.getByRole("checkbox", { name: "authorization_code" })).toBeChecked();
  await create.getByRole("checkbox", { name: "refresh_token" }).check();
  await create.getByLabel("Redirect URIs").fill(redirectUri);
  await create.getByRole("checkbox", { name: /^read:profile\b/ }).check();
  await create.getByRole("checkbox", { name: /^view:logs\b/ }).check();
  await create.getByRole("button", { name: "Create", exact: true }).click();

  const reveal = page.getByRole("dialog", { name: "Your new OAuth client" });
  await expect(reveal).toBeVisible();
  const clientId = (await reveal.getByTestId("client-id-value").textContent())?.trim() ?? "";
  const clientSecret = (await reveal.getByTestId("secret-value").textContent())?.trim() ?? "";
  expect(clientId).toMatch(/^gc_/);
  expect(clientSecret).toMatch(/^gcs_/);
  await reveal.getByRole("button", { name: "Done" }).click();
  return { slug, clientId, clientSecret };
}

async function authorizationRequest(as: oauth.AuthorizationServer, clientId: string, redirectUri: string) {
  const { verifier, challenge } = await pkce();
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: clientId,
    redirect_uri: redirectUri,
    response_type: "code",
    scope: "read:profile",
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  return { url, verifier, state };
}

test("consent in the browser: allow, exchange the code, then revoke the app in Settings", async ({
  browser,
  request,
}) => {
  const app = await startCallbackServer();
  try {
    const dev = await newDeveloper("ui-consent");
    const page = await pageFor(browser, dev);
    const name = `Reporting ${Date.now().toString(36)}`;
    const { slug, clientId, clientSecret } = await createClientInPortal(page, name, app.url);

    const as = await authorizationServer();
    const { url, verifier, state } = await authorizationRequest(as, clientId, app.url);
    await page.goto(url.toString());

    // The consent screen: who asks, for whom, for what, and where the answer goes.
    await expect(page).toHaveURL(/\/oauth\/consent\/[A-Za-z0-9_-]+$/);
    await expect(page.getByRole("heading", { name: `Authorize ${name}` })).toBeVisible();
    // The organization is the developer's personal workspace.
    const orgName = `${dev.email.split("@")[0]}'s workspace`;
    await expect(page.getByText(`${name} by ${orgName} wants to access the API on your behalf`)).toBeVisible();
    await expect(page.getByText(new URL(app.url).host, { exact: true })).toBeVisible();
    const permissions = page.getByRole("list", { name: "Requested permissions" });
    await expect(permissions.getByRole("listitem")).toHaveCount(1); // view:logs was not asked for
    await expect(permissions.getByRole("listitem")).toContainText("read:profile");
    await expect(permissions.getByRole("listitem")).toContainText("Read user profiles");
    await expect(page.getByText(`Signed in as ${dev.email}`)).toBeVisible();

    await page.getByRole("button", { name: "Allow" }).click();
    await page.waitForURL((u) => u.href.startsWith(`${app.url}?`));
    const callback = new URL(page.url());
    expect(callback.searchParams.get("iss")).toBe(ISSUER);
    expect(callback.searchParams.get("state")).toBe(state);
    await expect(page.locator("#query")).toContainText('"code"');

    const client: oauth.Client = { client_id: clientId };
    const params = oauth.validateAuthResponse(as, client, callback, state);
    const tokens = await oauth.processAuthorizationCodeResponse(
      as,
      client,
      await oauth.authorizationCodeGrantRequest(
        as,
        client,
        oauth.ClientSecretBasic(clientSecret),
        params,
        app.url,
        verifier,
        INSECURE,
      ),
    );
    expect(tokens.scope).toBe("read:profile");
    expect(tokens.refresh_token).toBeTruthy();
    expect(await verifyToken(request, tokens.access_token)).toMatchObject({
      valid: true,
      clientId,
      scopes: ["read:profile"],
    });

    // Settings → Authorized apps lists it; revoking it stops its tokens.
    await page.goto(`/${slug}/settings`);
    const apps = page.getByRole("list", { name: "Authorized apps" });
    const item = apps.getByRole("listitem").filter({ hasText: name });
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(`by ${dev.email.split("@")[0]}'s workspace`);
    await expect(item).toContainText("read:profile");
    await item.getByRole("button", { name: `Revoke ${name}` }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke this app?" });
    await expect(confirm).toBeVisible();
    await expect(confirm).toContainText(name);
    await confirm.getByRole("button", { name: "Revoke access" }).click();
    await expect(confirm).toBeHidden();
    await expect(item).toHaveCount(0);
    await expect(apps).toContainText("No apps authorized.");
    await expectRevoked(request, tokens.access_token);

    // The refresh token went with the grant.
    const refreshed = await oauth.refreshTokenGrantRequest(
      as,
      client,
      oauth.ClientSecretBasic(clientSecret),
      tokens.refresh_token!,
      INSECURE,
    );
    await expect(oauth.processRefreshTokenResponse(as, client, refreshed)).rejects.toMatchObject({
      error: "invalid_grant",
    });

    await page.reload();
    await expect(apps.getByRole("listitem").filter({ hasText: name })).toHaveCount(0);
    await page.context().close();
  } finally {
    await app.close();
  }
});

test("consent in the browser: deny → the app's callback gets error=access_denied, nothing is granted", async ({
  browser,
}) => {
  const app = await startCallbackServer();
  try {
    const dev = await newDeveloper("ui-consent-deny");
    const name = `Deny me ${Date.now().toString(36)}`;
    const client = await createClient(dev, {
      name,
      grantTypes: ["authorization_code"],
      redirectUris: [app.url],
      scopes: ["read:profile"],
    });
    const page = await pageFor(browser, dev);
    const as = await authorizationServer();
    const { url, state } = await authorizationRequest(as, client.clientId, app.url);
    await page.goto(url.toString());
    await expect(page.getByRole("heading", { name: `Authorize ${name}` })).toBeVisible();
    await page.getByRole("button", { name: "Deny" }).click();

    await page.waitForURL((u) => u.href.startsWith(`${app.url}?`));
    const callback = new URL(page.url());
    expect(callback.searchParams.get("error")).toBe("access_denied");
    expect(callback.searchParams.get("state")).toBe(state);
    expect(callback.searchParams.get("iss")).toBe(ISSUER);
    expect(callback.searchParams.get("code")).toBeNull();
    await expect(page.locator("#query")).toContainText("access_denied");
    // The library reports it as the authorization error it is.
    expect(() => oauth.validateAuthResponse(as, { client_id: client.clientId }, callback, state)).toThrow(
      oauth.AuthorizationResponseError,
    );

    await page.goto("/portal");
    await expect(page).toHaveURL(/\/[^/]+\/keys$/);
    const slug = new URL(page.url()).pathname.split("/")[1];
    await page.goto(`/${slug}/settings`);
    await expect(page.getByRole("list", { name: "Authorized apps" })).toContainText("No apps authorized.");
    await page.context().close();
  } finally {
    await app.close();
  }
});
