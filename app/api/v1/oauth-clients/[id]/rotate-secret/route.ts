import { json, parseBody, withAuth } from "@/lib/api/handler";
import { rotateSecret } from "@/lib/oauth-clients/rotate-secret";
import { rotateSecretSchema } from "@/lib/schemas/oauth-clients";

type Params = { id: string };

// POST /api/v1/oauth-clients/{id}/rotate-secret — new secret (shown once); the old one works for the grace period
export const POST = withAuth<Params>(
  async ({ req, principal, params, meta }) =>
    json(await rotateSecret(principal, params.id, await parseBody(req, rotateSecretSchema), meta)),
  { permission: "clients:write" },
);
