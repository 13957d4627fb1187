// OAuth client lifecycle on a real database (PostgreSQL server or embedded
// PGlite): create → rotate → revoke, with audit events, the revocation
// denylist row, and tenant isolation.
import { describe, expect, it } from "vitest";
import { credentialEvents, type CredentialChange } from "../../lib/access/events";
import { verifyAuditChain } from "../../lib/audit/record";
import { hashSecret, isWellFormed, PREFIXES } from "../../lib/credentials/format";
import { prisma } from "../../lib/db";
import { createClient } from "../../lib/oauth-clients/create-client";
import { getClient, listClients } from "../../lib/oauth-clients/list-clients";
import { revokeClient } from "../../lib/oauth-clients/revoke-client";
import { rotateSecret } from "../../lib/oauth-clients/rotate-secret";
import { createOAuthClientSchema, rotateSecretSchema } from "../../lib/schemas/oauth-clients";
import { createPrincipal, meta } from "../support/factories";

const confidential = (extra: Record<string, unknown> = {}) =>
  createOAuthClientSchema.parse({
    name: "reporting",
    grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
    redirectUris: ["https://app.example.com/callback", "http://localhost:3000/callback/"],
    scopes: ["read:profile", "view:logs"],
    ...extra,
  });

describe("OAuth client lifecycle", () => {
  it("creates a confidential client: secret returned once, only its hash stored", async () => {
    const p = await createPrincipal();
    const created = await createClient(p, confidential({ tokenEndpointAuthMethod: "client_secret_post" }), meta);
    expect(created.clientId).toMatch(/^gc_[0-9A-Za-z]{24}$/);
    expect(created.clientSecret).toMatch(/^gcs_[0-9A-Za-z]{38}$/);
    expect(isWellFormed(created.clientSecret!, PREFIXES.oauthClientSecret)).toBe(true);
    expect(created).toMatchObject({
      name: "reporting",
      type: "confidential",
      grantTypes: ["authorization_code", "refresh_token", "client_credentials"],
      redirectUris: ["https://app.example.com/callback", "http://localhost:3000/callback/"],
      scopes: ["read:profile", "view:logs"],
    });

    const row = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({
      orgId: p.orgId,
      createdById: p.userId,
      clientId: created.clientId,
      type: "confidential",
      tokenEndpointAuthMethod: "client_secret_post",
      secretHash: hashSecret(created.clientSecret!),
      secretLast4: created.clientSecret!.slice(-4),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
      revokedAt: null,
    });
    // Redirect URIs are stored exactly (the trailing slash is kept).
    expect(row.redirectUris).toEqual(["https://app.example.com/callback", "http://localhost:3000/callback/"]);
    expect(JSON.stringify(row)).not.toContain(created.clientSecret);

    const view = await getClient(p, created.id);
    expect(view).toMatchObject({
      id: created.id,
      clientId: created.clientId,
      tokenEndpointAuthMethod: "client_secret_post",
      secretLast4: created.clientSecret!.slice(-4),
      previousSecretExpiresAt: null,
      status: "active",
      revokedAt: null,
    });
    expect(JSON.stringify(view)).not.toContain(row.secretHash);
    expect(Object.keys(view).filter((k) => /hash|secret$/i.test(k))).toEqual([]);
    expect((await listClients(p)).map((c) => c.id)).toEqual([created.id]);
  });

  it("creates a public client with no secret and auth method none", async () => {
    const p = await createPrincipal();
    const created = await createClient(
      p,
      createOAuthClientSchema.parse({
        name: "spa",
        public: true,
        tokenEndpointAuthMethod: "client_secret_post",
        grantTypes: ["authorization_code", "refresh_token"],
        redirectUris: ["https://spa.example.com/cb"],
        scopes: ["read:profile"],
      }),
      meta,
    );
    expect(created.type).toBe("public");
    expect("clientSecret" in created).toBe(false);
    const row = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({ type: "public", tokenEndpointAuthMethod: "none", secretHash: null, secretLast4: null });
    expect((await getClient(p, created.id)).secretLast4).toBeNull();

    await expect(rotateSecret(p, created.id, rotateSecretSchema.parse({}), meta)).rejects.toMatchObject({
      code: "validation_failed",
    });
    expect(
      await prisma.auditEvent.count({ where: { targetId: created.id, action: "oauth_client.rotate_secret" } }),
    ).toBe(0);
  });

  it("rotates with a grace period: the old hash moves to previousSecretHash until it expires", async () => {
    const p = await createPrincipal();
    const created = await createClient(p, confidential(), meta);
    const oldHash = hashSecret(created.clientSecret!);
    const before = Date.now();
    const rotated = await rotateSecret(p, created.id, rotateSecretSchema.parse({ gracePeriodSeconds: 600 }), meta);
    expect(rotated.id).toBe(created.id);
    expect(rotated.clientId).toBe(created.clientId);
    expect(rotated.clientSecret).toMatch(/^gcs_[0-9A-Za-z]{38}$/);
    expect(rotated.clientSecret).not.toBe(created.clientSecret);

    const row = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.secretHash).toBe(hashSecret(rotated.clientSecret));
    expect(row.secretLast4).toBe(rotated.clientSecret.slice(-4));
    expect(row.previousSecretHash).toBe(oldHash);
    const expires = row.previousSecretExpiresAt!.getTime();
    expect(expires).toBeGreaterThanOrEqual(before + 600_000 - 1000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 600_000 + 1000);
    expect(rotated.previousSecretExpiresAt).toBe(row.previousSecretExpiresAt!.toISOString());
    expect(JSON.stringify(row)).not.toContain(rotated.clientSecret);
    expect((await getClient(p, created.id)).previousSecretExpiresAt).toBe(rotated.previousSecretExpiresAt);

    // Rotating again ends the older secret: only one previous secret is kept.
    const again = await rotateSecret(p, created.id, rotateSecretSchema.parse({}), meta);
    const row2 = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: created.id } });
    expect(row2.previousSecretHash).toBe(hashSecret(rotated.clientSecret));
    expect(row2.secretHash).toBe(hashSecret(again.clientSecret));
    expect(row2.previousSecretExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 3_500_000);
  });

  it("rotates with grace 0: the old secret stops at once", async () => {
    const p = await createPrincipal();
    const created = await createClient(p, confidential(), meta);
    const rotated = await rotateSecret(p, created.id, rotateSecretSchema.parse({ gracePeriodSeconds: 0 }), meta);
    expect(rotated.previousSecretExpiresAt).toBeNull();
    const row = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: created.id } });
    expect(row).toMatchObject({
      secretHash: hashSecret(rotated.clientSecret),
      previousSecretHash: null,
      previousSecretExpiresAt: null,
    });
    expect([row.secretHash, row.previousSecretHash]).not.toContain(hashSecret(created.clientSecret!));
  });

  it("revokes: revokedAt, its tokens denylisted and deleted, the change emitted, audit in order", async () => {
    const p = await createPrincipal();
    const created = await createClient(p, confidential(), meta);
    await rotateSecret(p, created.id, rotateSecretSchema.parse({ gracePeriodSeconds: 60 }), meta);
    // Something oidc-provider stored for this client (a grant) and for another client.
    await prisma.oidcPayload.create({
      data: { type: "Grant", id: `grant-${created.id}`, payload: {}, clientId: created.clientId },
    });
    await prisma.oidcPayload.create({
      data: { type: "Grant", id: `grant-other-${created.id}`, payload: {}, clientId: `gc_other_${created.id}` },
    });

    const emitted: CredentialChange[] = [];
    const listener = (c: CredentialChange) => emitted.push(c);
    credentialEvents().on("change", listener);
    try {
      const before = Date.now();
      const revoked = await revokeClient(p, created.id, meta);
      expect(revoked).toMatchObject({ id: created.id, status: "revoked" });
      expect(revoked.revokedAt).not.toBeNull();

      const row = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: created.id } });
      expect(row.revokedAt).not.toBeNull();

      const denied = await prisma.oAuthRevocation.findMany({ where: { value: created.clientId } });
      expect(denied).toHaveLength(1);
      expect(denied[0].kind).toBe("client");
      expect(denied[0].expiresAt.getTime()).toBeGreaterThan(before);

      expect(await prisma.oidcPayload.count({ where: { clientId: created.clientId } })).toBe(0);
      expect(await prisma.oidcPayload.count({ where: { clientId: `gc_other_${created.id}` } })).toBe(1);

      expect(emitted).toEqual([
        {
          kind: "oauth_revocation",
          revocation: "client",
          value: created.clientId,
          expiresAt: denied[0].expiresAt.getTime(),
        },
      ]);

      // Idempotent: same client back, no second event, no second emission.
      const again = await revokeClient(p, created.id, meta);
      expect(again.revokedAt).toBe(revoked.revokedAt);
      expect(emitted).toHaveLength(1);
    } finally {
      credentialEvents().off("change", listener);
    }

    // A revoked client's secret cannot be rotated.
    await expect(rotateSecret(p, created.id, rotateSecretSchema.parse({}), meta)).rejects.toMatchObject({
      code: "conflict",
    });

    const events = await prisma.auditEvent.findMany({ where: { targetId: created.id }, orderBy: { id: "asc" } });
    expect(events.map((e) => e.action)).toEqual([
      "oauth_client.create",
      "oauth_client.rotate_secret",
      "oauth_client.revoke",
    ]);
    for (const e of events) {
      expect(e).toMatchObject({
        actorType: "user",
        actorId: p.userId,
        targetType: "oauth_client",
        orgId: p.orgId,
        ip: meta.ip,
        userAgent: meta.userAgent,
      });
    }
    expect(events[1].context).toMatchObject({ clientId: created.clientId, gracePeriodSeconds: 60 });
    // No secret and no hash in the audit trail.
    const trail = JSON.stringify(events.map((e) => e.context));
    expect(trail).not.toContain(created.clientSecret);
    expect(trail).not.toMatch(/gcs_/);
    expect(trail).not.toContain(hashSecret(created.clientSecret!));
    expect(await verifyAuditChain(prisma)).toBeNull();
  });

  it("another organization's client is not found (404), not forbidden", async () => {
    const a = await createPrincipal();
    const b = await createPrincipal();
    const client = await createClient(a, confidential(), meta);
    await expect(getClient(b, client.id)).rejects.toMatchObject({ code: "not_found" });
    await expect(rotateSecret(b, client.id, rotateSecretSchema.parse({}), meta)).rejects.toMatchObject({
      code: "not_found",
    });
    await expect(revokeClient(b, client.id, meta)).rejects.toMatchObject({ code: "not_found" });
    expect((await listClients(b)).map((c) => c.id)).not.toContain(client.id);

    const row = await prisma.oAuthClient.findUniqueOrThrow({ where: { id: client.id } });
    expect(row).toMatchObject({
      revokedAt: null,
      previousSecretHash: null,
      secretHash: hashSecret(client.clientSecret!),
    });
    expect(await prisma.oAuthRevocation.count({ where: { value: client.clientId } })).toBe(0);
    expect(await prisma.auditEvent.count({ where: { targetId: client.id } })).toBe(1);
    expect((await getClient(a, client.id)).status).toBe("active");
  });

  it("rejects unknown scopes and writes nothing", async () => {
    const p = await createPrincipal();
    await expect(
      createClient(p, confidential({ scopes: ["read:profile", "admin:everything"] }), meta),
    ).rejects.toMatchObject({
      code: "validation_failed",
      status: 422,
      message: "Unknown scope: admin:everything",
    });
    expect(await prisma.oAuthClient.count({ where: { orgId: p.orgId } })).toBe(0);
    expect(await prisma.auditEvent.count({ where: { orgId: p.orgId, action: "oauth_client.create" } })).toBe(0);
  });
});
