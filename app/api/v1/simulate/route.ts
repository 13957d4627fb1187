import { simulateAccess } from "@/lib/access/simulate";
import { json, parseBody, withAuth } from "@/lib/api/handler";
import { simulateSchema } from "@/lib/schemas/simulate";

// POST /api/v1/simulate — the decision and its trace for a credential, method, path, IP and time (counts nothing)
export const POST = withAuth(
  async ({ req, principal }) => json(await simulateAccess(principal, await parseBody(req, simulateSchema))),
  { permission: "keys:read" },
);
