import type { OAuthClientView } from "../schemas/oauth-clients";

type ClientRow = {
  id: string;
  clientId: string;
  name: string;
  type: "confidential" | "public";
  grantTypes: string[];
  redirectUris: string[];
  scopes: string[];
  tokenEndpointAuthMethod: string;
  secretLast4: string | null;
  previousSecretExpiresAt: Date | null;
  createdAt: Date;
  revokedAt: Date | null;
};

/** Never selects the hashes: what is not read cannot leak. */
export const clientViewSelect = {
  id: true,
  clientId: true,
  name: true,
  type: true,
  grantTypes: true,
  redirectUris: true,
  scopes: true,
  tokenEndpointAuthMethod: true,
  secretLast4: true,
  previousSecretExpiresAt: true,
  createdAt: true,
  revokedAt: true,
} as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The response shape: strips everything that must not leave (hashes, internals). */
export function toClientView(c: ClientRow, now = Date.now()): OAuthClientView {
  // A grace period that has passed is history, not state worth showing.
  const previous =
    c.previousSecretExpiresAt && c.previousSecretExpiresAt.getTime() > now ? c.previousSecretExpiresAt : null;
  return {
    id: c.id,
    clientId: c.clientId,
    name: c.name,
    type: c.type,
    grantTypes: c.grantTypes as OAuthClientView["grantTypes"],
    redirectUris: c.redirectUris,
    scopes: c.scopes,
    tokenEndpointAuthMethod: c.tokenEndpointAuthMethod as OAuthClientView["tokenEndpointAuthMethod"],
    secretLast4: c.secretLast4,
    previousSecretExpiresAt: iso(previous),
    status: c.revokedAt ? "revoked" : "active",
    createdAt: c.createdAt.toISOString(),
    revokedAt: iso(c.revokedAt),
  };
}
