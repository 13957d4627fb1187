import { recordAudit, type RequestMeta } from "../audit/record";
import { actorOf, type Principal } from "../auth/principal";
import { generateSecret, hashSecret, lastFour, PREFIXES, randomBase62 } from "../credentials/format";
import { prisma } from "../db";
import type { CreatedOAuthClient, CreateOAuthClientInput } from "../schemas/oauth-clients";
import { assertScopesExist } from "../scopes/list-scopes";

/** 24 base62 characters ≈ 143 bits: collisions are not a practical concern, so no retry loop. */
const CLIENT_ID_LENGTH = 24;

export async function createClient(
  principal: Principal,
  input: CreateOAuthClientInput,
  meta: RequestMeta,
): Promise<CreatedOAuthClient> {
  const isPublic = input.public;
  const clientId = PREFIXES.oauthClientId + randomBase62(CLIENT_ID_LENGTH);
  // Public clients (SPAs, native apps) cannot keep a secret, so they get none.
  const secret = isPublic ? null : generateSecret(PREFIXES.oauthClientSecret);
  const redirectUris = input.redirectUris ?? [];
  const client = await prisma.$transaction(async (tx) => {
    // Least privilege: the client's scope ceiling comes from the closed catalog.
    await assertScopesExist(tx, input.scopes);
    const row = await tx.oAuthClient.create({
      data: {
        clientId,
        orgId: principal.orgId,
        createdById: principal.userId,
        name: input.name,
        type: isPublic ? "public" : "confidential",
        grantTypes: input.grantTypes,
        redirectUris,
        scopes: input.scopes,
        tokenEndpointAuthMethod: isPublic ? "none" : input.tokenEndpointAuthMethod,
        secretHash: secret ? hashSecret(secret) : null,
        secretLast4: secret ? lastFour(secret) : null,
      },
    });
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "oauth_client.create",
      target: { type: "oauth_client", id: row.id },
      orgId: principal.orgId,
      request: meta,
      context: {
        name: row.name,
        clientId: row.clientId,
        type: row.type,
        grantTypes: row.grantTypes,
        redirectUris: row.redirectUris,
        scopes: row.scopes,
        tokenEndpointAuthMethod: row.tokenEndpointAuthMethod,
      },
    });
    return row;
  });
  return {
    id: client.id,
    clientId: client.clientId,
    ...(secret ? { clientSecret: secret } : {}),
    name: client.name,
    type: client.type,
    grantTypes: client.grantTypes as CreatedOAuthClient["grantTypes"],
    redirectUris: client.redirectUris,
    scopes: client.scopes,
    createdAt: client.createdAt.toISOString(),
  };
}
