// A stand-in for github.com and api.github.com in the e2e run: just the four
// endpoints next-auth's GitHub sign-in calls, with real OAuth bookkeeping
// (client id/secret, one-time codes, echoed state, bearer tokens), so a broken
// flow fails here the way it would against GitHub.
//
// Which GitHub user signs in is set per test with POST /__next-user. The
// answer also sets a cookie on the mock's host naming that user: a browser
// context that made the call (Playwright's `context.request` shares the
// context's cookie jar) gets its own user at /login/oauth/authorize, so tests
// running in parallel never swap identities. Without the cookie, the authorize
// page takes the most recently posted user, once.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { APIRequestContext } from "@playwright/test";

export type MockGitHubUser = {
  id: number;
  login: string;
  name?: string | null;
  email: string | null;
  /** Keep the email off GET /user (GitHub's "private email"): only GET /user/emails has it. */
  privateEmail?: boolean;
};

export type MockGitHub = { url: string; close: () => Promise<void> };

const COOKIE = "mock_github_user";

function token(): string {
  return randomBytes(16).toString("hex");
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  if (!text) return {};
  if ((req.headers["content-type"] ?? "").includes("application/json"))
    return JSON.parse(text) as Record<string, string>;
  return Object.fromEntries(new URLSearchParams(text));
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return v.join("=");
  }
  return undefined;
}

/** Client credentials from HTTP Basic (openid-client's default) or the form body. */
function clientCredentials(req: IncomingMessage, body: Record<string, string>) {
  const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? "");
  if (basic) {
    const [id, secret] = Buffer.from(basic[1], "base64").toString("utf8").split(":");
    return { id: decodeURIComponent(id ?? ""), secret: decodeURIComponent(secret ?? "") };
  }
  return { id: body.client_id, secret: body.client_secret };
}

export async function startMockGitHub(client: { id: string; secret: string }): Promise<MockGitHub> {
  let next: MockGitHubUser | undefined;
  const byCookie = new Map<string, MockGitHubUser>();
  const codes = new Map<string, { user: MockGitHubUser; redirectUri: string }>();
  const accessTokens = new Map<string, MockGitHubUser>();

  function bearer(req: IncomingMessage): MockGitHubUser | undefined {
    // next-auth sends "Bearer …"; GitHub also accepts "token …".
    const m = /^(?:Bearer|token) (.+)$/i.exec(req.headers.authorization ?? "");
    return m ? accessTokens.get(m[1]) : undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", "http://mock");
    const route = `${req.method} ${url.pathname}`;

    if (route === "POST /__next-user") {
      const body = (await readBody(req)) as unknown as MockGitHubUser;
      if (typeof body.id !== "number" || typeof body.login !== "string") {
        return json(res, 400, { message: "id (number) and login (string) are required" });
      }
      const user: MockGitHubUser = { ...body, name: body.name ?? null, email: body.email ?? null };
      const id = token();
      byCookie.set(id, user);
      next = user;
      res.writeHead(204, { "set-cookie": `${COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` });
      return res.end();
    }

    if (route === "GET /login/oauth/authorize") {
      const redirectUri = url.searchParams.get("redirect_uri");
      const state = url.searchParams.get("state");
      if (url.searchParams.get("client_id") !== client.id || !redirectUri) {
        return json(res, 400, { message: "unknown client_id or missing redirect_uri" });
      }
      const back = new URL(redirectUri);
      const fromCookie = byCookie.get(cookie(req, COOKIE) ?? "");
      const user = fromCookie ?? next;
      if (!fromCookie || fromCookie === next) next = undefined;
      if (!user) {
        back.searchParams.set("error", "access_denied");
      } else {
        const code = token();
        codes.set(code, { user, redirectUri });
        back.searchParams.set("code", code);
      }
      if (state !== null) back.searchParams.set("state", state);
      res.writeHead(302, { location: back.toString() });
      return res.end();
    }

    if (route === "POST /login/oauth/access_token") {
      const body = await readBody(req);
      const creds = clientCredentials(req, body);
      if (creds.id !== client.id || creds.secret !== client.secret) {
        return json(res, 401, { error: "invalid_client", error_description: "bad client credentials" });
      }
      const grant = codes.get(body.code ?? "");
      codes.delete(body.code ?? ""); // one use, like GitHub
      if (!grant || (body.redirect_uri && body.redirect_uri !== grant.redirectUri)) {
        return json(res, 400, { error: "bad_verification_code", error_description: "unknown or used code" });
      }
      const accessToken = `gho_${token()}`;
      accessTokens.set(accessToken, grant.user);
      return json(res, 200, { access_token: accessToken, token_type: "bearer", scope: "read:user,user:email" });
    }

    if (route === "GET /user" || route === "GET /user/emails") {
      const user = bearer(req);
      if (!user) return json(res, 401, { message: "Bad credentials" });
      if (route === "GET /user") {
        return json(res, 200, {
          id: user.id,
          login: user.login,
          name: user.name ?? null,
          email: user.privateEmail ? null : user.email,
          avatar_url: null,
        });
      }
      const emails = user.email
        ? [{ email: user.email, primary: true, verified: true, visibility: user.privateEmail ? "private" : "public" }]
        : [];
      return json(res, 200, emails);
    }

    json(res, 404, { message: "Not Found" });
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => json(res, 500, { message: String(e) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** The mock the e2e server was started against (e2e/global-setup.ts). */
export function mockGitHubUrl(): string {
  const url = process.env.E2E_MOCK_GITHUB_URL;
  if (!url)
    throw new Error("E2E_MOCK_GITHUB_URL is not set: the mock GitHub runs only when global-setup starts Gatehouse");
  return url;
}

/** Make `user` the GitHub account that the next sign-in from this browser context (its `request`) gets. */
export async function setNextGitHubUser(request: APIRequestContext, user: MockGitHubUser): Promise<void> {
  const res = await request.post(`${mockGitHubUrl()}/__next-user`, { data: user });
  if (res.status() !== 204) throw new Error(`mock GitHub refused the user: ${res.status()} ${await res.text()}`);
}
