// API key schemas by purpose (DESIGN.md §3.3): create input, and the response
// shapes — the created key (secret once) and the listed key (never a secret).
import { z } from "zod";
import { SCOPE_NAME } from "../policy/scopes";
import { policySchema, refillSchema } from "./policy";

export const scopeNameSchema = z.string().regex(SCOPE_NAME, "Scope names are 1–64 visible characters without spaces.");

export const createKeySchema = z
  .object({
    name: z.string().trim().min(1, "Give the key a name.").max(100),
    scopes: z.array(scopeNameSchema).max(100).default([]),
    environment: z.enum(["live", "test"]).default("live"),
    expiresAt: z.coerce
      .date()
      .refine((d) => d.getTime() > Date.now(), "expiresAt must be in the future.")
      .optional()
      .nullable(),
  })
  .strict()
  .meta({ id: "CreateKeyRequest" });
export type CreateKeyInput = z.infer<typeof createKeySchema>;

export const keyStatusSchema = z.enum(["active", "revoked", "expired"]);

export const keySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    prefix: z.string().meta({ example: "gk_live_" }),
    last4: z.string(),
    display: z.string().meta({ example: "gk_live_…a1B2" }),
    scopes: z.array(z.string()),
    environment: z.enum(["live", "test"]),
    status: keyStatusSchema,
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
    // Key-level overrides; an absent field is inherited from the organization/plan.
    policy: policySchema,
    remaining: z.number().int().nullable().meta({ description: "Uses left; null = uncapped." }),
    refill: refillSchema.nullable(),
  })
  .meta({ id: "ApiKey" });
export type KeyView = z.infer<typeof keySchema>;

export const createdKeySchema = z
  .object({
    id: z.string(),
    key: z.string().meta({ description: "The secret. Shown once; Gatehouse stores only its SHA-256." }),
    prefix: z.string(),
    name: z.string(),
    scopes: z.array(z.string()),
    environment: z.enum(["live", "test"]),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "CreatedApiKey" });
export type CreatedKey = z.infer<typeof createdKeySchema>;

export const keyListSchema = z.object({ data: z.array(keySchema) }).meta({ id: "ApiKeyList" });
