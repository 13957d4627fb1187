import { json, parseBody, withAuth } from "@/lib/api/handler";
import { createTokenSchema } from "@/lib/schemas/tokens";
import { createToken, listTokens } from "@/lib/tokens/create-token";

// POST /api/v1/tokens — create a management token (shown once)
export const POST = withAuth(
  async ({ req, principal, meta }) =>
    json(await createToken(principal, await parseBody(req, createTokenSchema), meta), 201),
  { permission: "tokens:write" },
);

// GET /api/v1/tokens — your management tokens in this organization (no secrets)
export const GET = withAuth(async ({ principal }) => json({ data: await listTokens(principal) }));
