// The access simulator's input and output (POST /api/v1/simulate): a decision
// and its trace for a credential, method, path, IP and time — counted against
// nothing.
import { z } from "zod";

export const simulateSchema = z
  .object({
    keyId: z.string().min(1).optional(),
    credential: z.string().min(1).max(4096).optional(),
    method: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{1,16}$/, "An HTTP method like GET.")
      .default("GET"),
    path: z.string().trim().startsWith("/", "A path starting with /.").max(2048).default("/"),
    ip: z.union([z.ipv4(), z.ipv6()]).default("127.0.0.1"),
    at: z.coerce.date().optional(),
    scopes: z.array(z.string()).max(100).optional(),
  })
  .strict()
  .refine((v) => (v.keyId ? 1 : 0) + (v.credential ? 1 : 0) === 1, "Send exactly one of keyId or credential.")
  .meta({ id: "SimulateRequest" });
export type SimulateInput = z.infer<typeof simulateSchema>;

export const traceStepSchema = z
  .object({
    rule: z.string().meta({ example: "ip_allowlist" }),
    outcome: z.enum(["pass", "fail", "skip"]),
    detail: z.string(),
  })
  .meta({ id: "TraceStep" });
export type TraceStep = z.infer<typeof traceStepSchema>;

export const simulationSchema = z
  .object({
    allow: z.boolean(),
    code: z.string().meta({ example: "IP_NOT_ALLOWED" }),
    status: z.number().int().meta({ description: "The HTTP status /authz would answer." }),
    decidedBy: z.string().nullable().meta({ description: "The rule that decided a denial; null when allowed." }),
    credential: z
      .object({
        type: z.enum(["api_key", "oauth_access_token"]),
        id: z.string(),
        orgId: z.string().nullable(),
      })
      .nullable(),
    route: z.object({ api: z.string(), method: z.string(), pathTemplate: z.string() }).nullable(),
    trace: z.array(traceStepSchema),
  })
  .meta({ id: "Simulation" });
export type Simulation = z.infer<typeof simulationSchema>;
