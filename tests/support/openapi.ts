// OpenAPI building blocks shared by tests, e2e and benchmarks. No test
// framework imports here: Vitest and Playwright both load this file.

/** An OAuth2 client-credentials security scheme declaring `scopes` (name → description). */
export function oauthScheme(scopes: Record<string, string>) {
  return {
    type: "oauth2",
    flows: { clientCredentials: { tokenUrl: "https://auth.example.test/token", scopes } },
  };
}
