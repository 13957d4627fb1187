import { displayKey } from "../credentials/format";
import type { KeyView } from "../schemas/keys";
import { readPolicy, refillSchema } from "../schemas/policy";

type KeyRow = {
  id: string;
  name: string;
  prefix: string;
  last4: string;
  scopes: string[];
  environment: "live" | "test";
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  policy: unknown;
  remaining: number | null;
  refill: unknown;
};

export const keyViewSelect = {
  id: true,
  name: true,
  prefix: true,
  last4: true,
  scopes: true,
  environment: true,
  createdAt: true,
  expiresAt: true,
  lastUsedAt: true,
  revokedAt: true,
  policy: true,
  remaining: true,
  refill: true,
} as const;

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** The response shape: strips everything that must not leave (the hash, internals). */
export function toKeyView(k: KeyRow, now = Date.now()): KeyView {
  const status = k.revokedAt ? "revoked" : k.expiresAt && k.expiresAt.getTime() <= now ? "expired" : "active";
  const refill = refillSchema.safeParse(k.refill);
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    last4: k.last4,
    display: displayKey(k.prefix, k.last4),
    scopes: k.scopes,
    environment: k.environment,
    status,
    createdAt: k.createdAt.toISOString(),
    expiresAt: iso(k.expiresAt),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
    policy: readPolicy(k.policy),
    remaining: k.remaining,
    refill: refill.success ? refill.data : null,
  };
}
