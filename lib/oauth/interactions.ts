// Login and consent for the authorization endpoint. App Router pages get no
// Node req/res, so these two routes live in server.ts:
//   GET  /oauth/consent/:uid          finish "login" from the portal session, then
//                                      hand a consent summary to the Next page
//   POST /oauth/consent/:uid/confirm  save the Grant (allow) or deny, and resume
import type { IncomingMessage, ServerResponse } from "node:http";
import type Provider from "oidc-provider";
import { recordAudit } from "../audit/record";
import { metaFromHeaders } from "../auth/request-meta";
import type { PrismaClient } from "../generated/prisma/client";
import { type ConsentSummary } from "./consent-summary";
import { portalUser } from "./portal-session";
import { OAUTH_PREFIX } from "./provider";

const CONSENT_PATH = new RegExp(`^${OAUTH_PREFIX}/consent/([A-Za-z0-9_-]+)(/confirm)?$`);

export function matchConsentPath(path: string): { uid: string; confirm: boolean } | null {
  const m = CONSENT_PATH.exec(path);
  return m ? { uid: m[1], confirm: Boolean(m[2]) } : null;
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { location, "cache-control": "no-store" });
  res.end();
}

function errorPage(res: ServerResponse, status: number, message: string): void {
  const esc = message.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(
    `<!doctype html><title>Authorization</title><body style="font-family:sans-serif;max-width:40rem;margin:4rem auto"><h1>Authorization could not continue</h1><p>${esc}</p><p><a href="/portal">Back to Gatehouse</a></p></body>`,
  );
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
      if (body.length > 8192) req.destroy();
    });
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

export type InteractionDeps = {
  provider: () => Provider;
  prisma: PrismaClient;
  publicOrigin: string;
  /** Render the Next consent page for this request (server.ts rewrites the URL and calls Next). */
  renderConsent: (req: IncomingMessage, res: ServerResponse, summary: ConsentSummary) => void;
};

export async function handleConsent(
  deps: InteractionDeps,
  req: IncomingMessage,
  res: ServerResponse,
  uid: string,
  confirm: boolean,
) {
  const provider = deps.provider();
  let details: Awaited<ReturnType<Provider["interactionDetails"]>>;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return errorPage(
      res,
      400,
      "This authorization request has expired or was already completed. Start again from the application.",
    );
  }
  if (details.uid !== uid)
    return errorPage(res, 400, "This authorization request does not match your browser session.");

  const user = await portalUser(req, deps.prisma);
  if (!user) return redirect(res, `/sign-in?callbackUrl=${encodeURIComponent(`${OAUTH_PREFIX}/consent/${uid}`)}`);

  // The portal session is the login: finish that prompt (or re-login as the current portal user).
  if (details.prompt.name === "login" || (details.session?.accountId && details.session.accountId !== user.id)) {
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.id } },
      { mergeWithLastSubmission: false },
    );
  }
  if (details.prompt.name !== "consent") return errorPage(res, 400, `Unsupported interaction: ${details.prompt.name}`);

  const clientId = String(details.params.client_id);
  const client = await deps.prisma.oAuthClient.findUnique({
    where: { clientId },
    include: { org: { select: { name: true } } },
  });
  if (!client || client.revokedAt) return errorPage(res, 400, "This application is no longer registered.");

  const promptDetails = details.prompt.details as {
    missingOIDCScope?: string[];
    missingResourceScopes?: Record<string, string[]>;
  };
  const requested = new Set<string>();
  for (const scopes of Object.values(promptDetails.missingResourceScopes ?? {}))
    scopes.forEach((s) => requested.add(s));

  if (!confirm) {
    const catalog = await deps.prisma.scope.findMany({ where: { name: { in: [...requested] } } });
    const descriptions = new Map(catalog.map((s) => [s.name, s.description]));
    let redirectHost = "";
    try {
      redirectHost = new URL(String(details.params.redirect_uri)).host;
    } catch {
      redirectHost = "";
    }
    return deps.renderConsent(req, res, {
      uid,
      clientName: client.name,
      clientId,
      orgName: client.org.name,
      userEmail: user.email,
      scopes: [...requested].map((name) => ({ name, description: descriptions.get(name) ?? "" })),
      redirectHost,
    });
  }

  if (req.method !== "POST") return errorPage(res, 405, "Use the consent form.");
  const origin = req.headers.origin;
  if (origin && origin !== deps.publicOrigin) return errorPage(res, 403, "Cross-site consent refused.");
  const form = await readForm(req);
  const meta = metaFromHeaders(req.headers);

  if (form.get("decision") !== "allow") {
    return provider.interactionFinished(
      req,
      res,
      { error: "access_denied", error_description: "The user denied the request." },
      { mergeWithLastSubmission: false },
    );
  }

  const grant = details.grantId
    ? ((await provider.Grant.find(details.grantId)) ?? new provider.Grant({ accountId: user.id, clientId }))
    : new provider.Grant({ accountId: user.id, clientId });
  if (promptDetails.missingOIDCScope?.length) grant.addOIDCScope(promptDetails.missingOIDCScope.join(" "));
  for (const [resource, scopes] of Object.entries(promptDetails.missingResourceScopes ?? {})) {
    grant.addResourceScope(resource, scopes.join(" "));
  }
  const grantId = await grant.save();
  await deps.prisma.$transaction((tx) =>
    recordAudit(tx, {
      actor: { type: "user", id: user.id, label: user.email },
      action: "oauth_grant.create",
      target: { type: "oauth_grant", id: grantId },
      orgId: client.orgId,
      request: meta,
      context: { clientId, scopes: [...requested] },
    }),
  );
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}
