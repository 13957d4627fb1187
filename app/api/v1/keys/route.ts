import { json, parseBody, withAuth } from "@/lib/api/handler";
import { createKey } from "@/lib/keys/create-key";
import { listKeys } from "@/lib/keys/list-keys";
import { createKeySchema } from "@/lib/schemas/keys";

// POST /api/v1/keys — create an API key; the secret is in this response only
export const POST = withAuth(
  async ({ req, principal, meta }) =>
    json(await createKey(principal, await parseBody(req, createKeySchema), meta), 201),
  { permission: "keys:write" },
);

// GET /api/v1/keys — the organization's keys, without secrets
export const GET = withAuth(async ({ principal }) => json({ data: await listKeys(principal) }), {
  permission: "keys:read",
});
