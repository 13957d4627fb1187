// Plan, organization-policy and OAuth-client-policy schemas by purpose
// (DESIGN.md §3.3). Inputs are flat like PATCH /api/v1/keys/{id}: the policy
// fields sit beside the others, `null` clears a field (inherit again), an
// absent one is left alone. Views nest the stored policy under `policy`.
import { z } from "zod";
import { oauthClientSchema } from "./oauth-clients";
import { policySchema } from "./policy";

/** ipAllowlist, timeWindows, rateLimits, quota — each nullable and optional. */
const policyFields = policySchema.shape;

const nonEmpty = (v: object) => Object.keys(v).length > 0;
const NOTHING_TO_CHANGE = "Send at least one field to change.";

const planNameSchema = z
  .string()
  .trim()
  .min(1, "Give the plan a name.")
  .max(100, "Plan names are at most 100 characters.")
  .meta({ example: "Pro" });
const planDescriptionSchema = z.string().trim().max(500, "Descriptions are at most 500 characters.");

// POST /api/v1/admin/plans
export const createPlanSchema = z
  .object({ name: planNameSchema, description: planDescriptionSchema.default(""), ...policyFields })
  .strict()
  .meta({ id: "CreatePlanRequest" });
export type CreatePlanInput = z.infer<typeof createPlanSchema>;

// PATCH /api/v1/admin/plans/{id}
export const updatePlanSchema = z
  .object({ name: planNameSchema.optional(), description: planDescriptionSchema.optional(), ...policyFields })
  .strict()
  .refine(nonEmpty, NOTHING_TO_CHANGE)
  .meta({ id: "UpdatePlanRequest" });
export type UpdatePlanInput = z.infer<typeof updatePlanSchema>;

export const planSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    policy: policySchema,
    organizations: z.number().int().meta({ description: "How many organizations are on this plan." }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "Plan" });
export type PlanView = z.infer<typeof planSchema>;

export const planListSchema = z.object({ data: z.array(planSchema) }).meta({ id: "PlanList" });

// PATCH /api/v1/admin/orgs/{id}
export const updateOrgPolicySchema = z
  .object({
    planId: z
      .string()
      .trim()
      .min(1, "planId must name a plan (or be null for none).")
      .max(100)
      .nullable()
      .optional()
      .meta({ description: "The organization's plan; null removes it." }),
    ...policyFields,
  })
  .strict()
  .refine(nonEmpty, NOTHING_TO_CHANGE)
  .meta({ id: "UpdateOrganizationPolicyRequest" });
export type UpdateOrgPolicyInput = z.infer<typeof updateOrgPolicySchema>;

export const orgPolicySchema = z
  .object({
    id: z.string(),
    slug: z.string(),
    name: z.string(),
    kind: z.enum(["personal", "partner"]),
    plan: z.object({ id: z.string(), name: z.string() }).nullable(),
    // The organization's own policy; the plan's is on the plan.
    policy: policySchema,
    members: z.number().int(),
    createdAt: z.iso.datetime(),
  })
  .meta({ id: "AdminOrganization" });
export type OrgPolicyView = z.infer<typeof orgPolicySchema>;

// GET /api/v1/admin/orgs?q=&cursor=&limit=
export const listOrgsQuerySchema = z
  .object({
    q: z.string().trim().max(100).optional().meta({ description: "Part of the slug or name (case-insensitive)." }),
    planId: z.string().max(100).optional().meta({ description: "Only organizations on this plan." }),
    cursor: z.string().max(200).optional().meta({ description: "`nextCursor` of the previous page." }),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();
export type ListOrgsQuery = z.infer<typeof listOrgsQuerySchema>;

export const orgPolicyListSchema = z
  .object({ data: z.array(orgPolicySchema), nextCursor: z.string().nullable() })
  .meta({ id: "AdminOrganizationList" });

// PATCH /api/v1/oauth-clients/{id}
export const updateClientPolicySchema = z
  .object({ ...policyFields })
  .strict()
  .refine(nonEmpty, NOTHING_TO_CHANGE)
  .meta({ id: "UpdateOAuthClientPolicyRequest" });
export type UpdateClientPolicyInput = z.infer<typeof updateClientPolicySchema>;

export const oauthClientWithPolicySchema = oauthClientSchema
  // Client-level overrides; absent fields are inherited from the organization and its plan.
  .extend({ policy: policySchema })
  .meta({ id: "OAuthClientWithPolicy" });
export type OAuthClientWithPolicyView = z.infer<typeof oauthClientWithPolicySchema>;
