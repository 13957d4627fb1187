import type { CompiledPolicy } from "../policy/compile";

export const DECISION_CODES = [
  "VALID",
  "PUBLIC_ROUTE",
  "MISSING",
  "MALFORMED",
  "NOT_FOUND",
  "INVALID_TOKEN",
  "REVOKED",
  "EXPIRED",
  "ROUTE_NOT_FOUND",
  "IP_NOT_ALLOWED",
  "OUTSIDE_TIME_WINDOW",
  "INSUFFICIENT_SCOPE",
  "RATE_LIMITED",
  "QUOTA_EXCEEDED",
  "USAGE_EXHAUSTED",
] as const;
export type DecisionCode = (typeof DECISION_CODES)[number];

/** What the data plane keeps of an API key: never the secret. */
export type KeyRecord = {
  id: string;
  orgId: string;
  scopes: readonly string[];
  scopeSet: ReadonlySet<string>;
  environment: "live" | "test";
  expiresAt: number | null;
  revokedAt: number | null;
  /** Key, organization and plan policy, merged (lib/policy/compile.ts). */
  policy: CompiledPolicy;
  /** The key has a usage cap (`remaining`): each allowed call decrements it in the database. */
  usageCapped: boolean;
};

/** The credential-level verdict (format, existence, status, expiry, explicit scopes). */
export type Decision =
  | { allow: true; code: "VALID"; key: KeyRecord }
  | {
      allow: false;
      code: "MALFORMED" | "NOT_FOUND" | "REVOKED" | "EXPIRED" | "INSUFFICIENT_SCOPE";
      key?: KeyRecord;
      missingScopes?: string[];
    };
