// Policy schemas: one JSON shape for a credential (API key, OAuth client), an
// organization and a plan. How the levels combine is in lib/policy/compile.ts.
import { z } from "zod";
import { isStrictCidr } from "../policy/ip";

export const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Day = (typeof DAYS)[number];
/** How a day is shown: checkboxes, badges ("Mon–Fri") and simulator traces. */
export const DAY_LABELS: Record<Day, string> = {
  mon: "Mon",
  tue: "Tue",
  wed: "Wed",
  thu: "Thu",
  fri: "Fri",
  sat: "Sat",
  sun: "Sun",
};

/** "192.0.2.0/24", "2001:db8::/32", or a single address (→ /32, /128). */
export const cidrSchema = z
  .string()
  .trim()
  .refine(isStrictCidr, "Not an IPv4/IPv6 address or CIDR range (e.g. 203.0.113.0/24, 2001:db8::/32).")
  .meta({ example: "203.0.113.0/24" });

const START = /^(?:[01]\d|2[0-3]):[0-5]\d$/;
const END = /^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/;

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const timeWindowSchema = z
  .object({
    days: z.array(z.enum(DAYS)).min(1, "Pick at least one day.").max(7),
    start: z.string().regex(START, "Use HH:MM (00:00–23:59)."),
    end: z.string().regex(END, "Use HH:MM (00:01–24:00)."),
    timeZone: z.string().refine(isTimeZone, "Unknown IANA time zone (e.g. Europe/Berlin)."),
  })
  .strict()
  .refine((w) => w.start !== w.end, { message: "start and end must differ.", path: ["end"] })
  .meta({
    id: "TimeWindow",
    description:
      "Local wall-clock hours on the given days in an IANA time zone. end < start spans midnight (the day is the start's day).",
    example: { days: ["mon", "tue", "wed", "thu", "fri"], start: "08:00", end: "18:00", timeZone: "Europe/Berlin" },
  });
export type TimeWindow = z.infer<typeof timeWindowSchema>;

export const rateLimitSchema = z
  .object({
    limit: z.number().int().min(1).max(1_000_000_000),
    windowSeconds: z
      .number()
      .int()
      .min(1)
      .max(31 * 86_400),
  })
  .strict()
  .meta({ id: "RateLimit", example: { limit: 10, windowSeconds: 1 } });
export type RateLimit = z.infer<typeof rateLimitSchema>;

export const quotaSchema = z
  .object({
    limit: z.number().int().min(1).max(1_000_000_000_000),
    period: z.enum(["day", "month"]).default("month"),
  })
  .strict()
  .meta({ id: "Quota", description: "Calls per calendar day or month (UTC)." });
export type Quota = z.infer<typeof quotaSchema>;

export const refillSchema = z
  .object({ amount: z.number().int().min(1).max(1_000_000_000), interval: z.enum(["daily", "monthly"]) })
  .strict()
  .meta({ id: "Refill", description: "Reset `remaining` to `amount` at each UTC day or month start." });
export type Refill = z.infer<typeof refillSchema>;

const policyFields = {
  ipAllowlist: z.array(cidrSchema).max(500).nullable().optional(),
  timeWindows: z.array(timeWindowSchema).max(50).nullable().optional(),
  rateLimits: z
    .array(rateLimitSchema)
    .max(10)
    .nullable()
    .optional()
    .refine((l) => !l || new Set(l.map((r) => r.windowSeconds)).size === l.length, "One limit per window length."),
  quota: quotaSchema.nullable().optional(),
};

/** The policy fields, at every level (key, OAuth client, organization, plan). */
export const POLICY_FIELDS = ["ipAllowlist", "timeWindows", "rateLimits", "quota"] as const;
export type PolicyField = (typeof POLICY_FIELDS)[number];

/** A stored policy. `null`/absent = not set at this level (inherit). */
export const policySchema = z.object(policyFields).strict().meta({ id: "Policy" });
export type Policy = z.infer<typeof policySchema>;

/** Reads a stored JSON policy; anything unreadable counts as "nothing set". */
export function readPolicy(value: unknown): Policy {
  const parsed = policySchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : {};
}

// PATCH /api/v1/keys/{id}
export const updateKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    ...policyFields,
    remaining: z.number().int().min(0).max(1_000_000_000).nullable().optional(),
    refill: refillSchema.nullable().optional(),
  })
  .strict()
  .refine((v) => Object.keys(v).length > 0, "Send at least one field to change.")
  .meta({ id: "UpdateKeyRequest" });
export type UpdateKeyInput = z.infer<typeof updateKeySchema>;
