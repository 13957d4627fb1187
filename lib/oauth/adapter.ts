// oidc-provider storage adapter on Prisma: one table (oidc_payloads) for every
// model the library persists (grants, codes, refresh tokens, sessions,
// interactions…), keyed by (type, id). Clients are not stored here: they are
// read from oauth_clients (what the portal manages), briefly cached and
// evicted when a client changes.
import { timingSafeEqual } from "node:crypto";
import { LRUCache } from "lru-cache";
import type { Adapter, AdapterPayload, ClientAuthMethod } from "oidc-provider";
import { credentialEvents, emitCredentialChange, type CredentialChange } from "../access/events";
import type { PrismaClient, Prisma } from "../generated/prisma/client";
import { recordRevocation } from "./revocation";

export type ClientMetadata = AdapterPayload & {
  client_id: string;
  client_secret?: string;
  org_id: string;
  allowed_scopes: string[];
  previous_secret_hash?: string;
  previous_secret_expires_at?: number;
};

/** Compare SHA-256 hex digests in constant time. */
export function hashesEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

// One client cache per process, shared by every provider instance (a key
// rotation builds a new provider), evicted when a client changes.
let sharedClients: LRUCache<string, ClientMetadata | false> | undefined;

function clientCache(): LRUCache<string, ClientMetadata | false> {
  if (sharedClients) return sharedClients;
  const cache = new LRUCache<string, ClientMetadata | false>({ max: 10_000, ttl: 30_000 });
  credentialEvents().on("change", (change: CredentialChange) => {
    if (change.kind === "oauth_client") cache.delete(change.clientId);
    if (change.kind === "oauth_revocation" && change.revocation === "client") cache.delete(change.value);
  });
  sharedClients = cache;
  return cache;
}

/** Client metadata by client id, through the per-process cache (also the token fast path's lookup). */
export function clientFinder(prisma: PrismaClient): (clientId: string) => Promise<ClientMetadata | undefined> {
  const clients = clientCache();
  return async function findClient(clientId: string): Promise<ClientMetadata | undefined> {
    const cached = clients.get(clientId);
    if (cached !== undefined) return cached || undefined;
    const row = await prisma.oAuthClient.findUnique({ where: { clientId } });
    if (!row || row.revokedAt) {
      clients.set(clientId, false, { ttl: 5_000 });
      return undefined;
    }
    const confidential = row.type === "confidential";
    const meta: ClientMetadata = {
      client_id: row.clientId,
      client_name: row.name,
      grant_types: row.grantTypes,
      redirect_uris: row.redirectUris,
      response_types: row.grantTypes.includes("authorization_code") ? ["code"] : [],
      // Not `scope`: the library would require every catalog scope in its static list.
      // Least privilege is enforced where tokens are minted (getResourceServerInfo).
      allowed_scopes: row.scopes,
      token_endpoint_auth_method: (confidential ? row.tokenEndpointAuthMethod : "none") as ClientAuthMethod,
      // The library needs a client_secret for confidential clients; it holds the
      // SHA-256 of the secret, and compareClientSecret (provider.ts) hashes what it is given.
      ...(confidential && row.secretHash ? { client_secret: row.secretHash } : {}),
      org_id: row.orgId,
      ...(row.previousSecretHash && row.previousSecretExpiresAt
        ? {
            previous_secret_hash: row.previousSecretHash,
            previous_secret_expires_at: Math.floor(row.previousSecretExpiresAt.getTime() / 1000),
          }
        : {}),
    };
    clients.set(clientId, meta);
    return meta;
  };
}

export function createAdapterFactory(prisma: PrismaClient) {
  const findClient = clientFinder(prisma);

  class PrismaAdapter implements Adapter {
    constructor(private readonly type: string) {}

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const data = {
        payload: payload as Prisma.InputJsonValue,
        grantId: (payload.grantId as string | undefined) ?? null,
        userCode: (payload.userCode as string | undefined) ?? null,
        uid: (payload.uid as string | undefined) ?? null,
        accountId: (payload.accountId as string | undefined) ?? null,
        clientId: (payload.clientId as string | undefined) ?? null,
        expiresAt: expiresIn ? new Date(Date.now() + expiresIn * 1000) : null,
      };
      await prisma.oidcPayload.upsert({
        where: { type_id: { type: this.type, id } },
        create: { id, type: this.type, ...data },
        update: data,
      });
    }

    private async findWhere(where: Prisma.OidcPayloadWhereInput): Promise<AdapterPayload | undefined> {
      const row = await prisma.oidcPayload.findFirst({ where: { type: this.type, ...where } });
      if (!row || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return undefined;
      return {
        ...(row.payload as AdapterPayload),
        ...(row.consumedAt ? { consumed: Math.floor(row.consumedAt.getTime() / 1000) } : {}),
      };
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      if (this.type === "Client") return findClient(id);
      return this.findWhere({ id });
    }

    async findByUid(uid: string) {
      return this.findWhere({ uid });
    }

    async findByUserCode(userCode: string) {
      return this.findWhere({ userCode });
    }

    async consume(id: string): Promise<void> {
      await prisma.oidcPayload.updateMany({ where: { type: this.type, id }, data: { consumedAt: new Date() } });
    }

    async destroy(id: string): Promise<void> {
      await prisma.oidcPayload.deleteMany({ where: { type: this.type, id } });
    }

    /**
     * Called by the library for each token model when a grant is revoked (refresh
     * or code reuse, RFC 7009 revocation of a refresh token, user revoking an app).
     * JWT access tokens aren't stored, so the grant also goes on the data plane's denylist.
     */
    async revokeByGrantId(grantId: string): Promise<void> {
      await prisma.oidcPayload.deleteMany({ where: { type: this.type, grantId } });
      if (this.type === "AccessToken") {
        const change = await prisma.$transaction((tx) => recordRevocation(tx, "grant", grantId));
        emitCredentialChange(change);
      }
    }
  }

  return (name: string) => new PrismaAdapter(name);
}
