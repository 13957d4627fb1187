/** TanStack Query key factory for the OAuth clients domain (DESIGN.md §3.8). */
export const clientQueries = {
  all: ["oauth-clients"] as const,
  list: (orgSlug: string) => ["oauth-clients", orgSlug, "list"] as const,
};
