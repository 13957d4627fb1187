/** TanStack Query key factory for the keys domain (DESIGN.md §3.8). */
export const keyQueries = {
  all: ["keys"] as const,
  list: (orgSlug: string) => ["keys", orgSlug, "list"] as const,
};
