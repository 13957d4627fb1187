export const DECISION_CODES = ["VALID", "MALFORMED", "NOT_FOUND", "REVOKED", "EXPIRED", "INSUFFICIENT_SCOPE"] as const;
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
};

export type Decision =
  | { allow: true; code: "VALID"; key: KeyRecord }
  | { allow: false; code: Exclude<DecisionCode, "VALID">; key?: KeyRecord; missingScopes?: string[] };
