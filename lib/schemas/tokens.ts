import { z } from "zod";

export const createTokenSchema = z
  .object({ name: z.string().trim().min(1, "Give the token a name.").max(100) })
  .strict()
  .meta({ id: "CreateTokenRequest" });
export type CreateTokenInput = z.infer<typeof createTokenSchema>;

export const createdTokenSchema = z
  .object({
    id: z.string(),
    token: z.string().meta({ description: "The management token. Shown once." }),
    name: z.string(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "CreatedManagementToken" });

export const tokenSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    last4: z.string(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "ManagementToken" });
export type TokenView = z.infer<typeof tokenSchema>;
