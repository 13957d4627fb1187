import { json, parseBody, withAuth } from "@/lib/api/handler";
import { createClient } from "@/lib/oauth-clients/create-client";
import { listClients } from "@/lib/oauth-clients/list-clients";
import { createOAuthClientSchema } from "@/lib/schemas/oauth-clients";

// POST /api/v1/oauth-clients — register an OAuth client; a confidential client's secret is in this response only
export const POST = withAuth(
  async ({ req, principal, meta }) =>
    json(await createClient(principal, await parseBody(req, createOAuthClientSchema), meta), 201),
  { permission: "clients:write" },
);

// GET /api/v1/oauth-clients — the organization's OAuth clients, without secrets
export const GET = withAuth(async ({ principal }) => json({ data: await listClients(principal) }), {
  permission: "clients:read",
});
