// The access simulator: the data plane's own decision (same authorize(), same
// caches, catalog and counters) for a credential, method, path, IP and time,
// with the trace, and counted against nothing (dryRun).
import { ApiError } from "../api/errors";
import type { Principal } from "../auth/principal";
import { prisma } from "../db";
import type { SimulateInput, Simulation } from "../schemas/simulate";
import { authorize, authorizeKeyRecord, type AccessResult } from "./authorize";
import { currentDataPlane } from "./data-plane";
import { keyRecordSelect, toKeyRecord } from "./key-store";

export async function simulateAccess(principal: Principal, input: SimulateInput): Promise<Simulation> {
  const dp = currentDataPlane();
  if (!dp) throw new ApiError("service_unavailable", "The data plane is not running in this process.");
  const isAdmin = principal.platformRole === "admin";
  const request = {
    method: input.method,
    path: input.path,
    ip: input.ip,
    at: input.at?.getTime(),
    scopes: input.scopes,
    explain: true,
    dryRun: true,
  };

  let result: AccessResult;
  if (input.keyId) {
    const row = await prisma.apiKey.findFirst({
      where: isAdmin ? { id: input.keyId } : { id: input.keyId, orgId: principal.orgId },
      select: keyRecordSelect,
    });
    if (!row) throw new ApiError("not_found", "No such key.");
    result = await authorizeKeyRecord(dp, toKeyRecord(row), request);
  } else {
    result = await authorize(dp, { ...request, credential: input.credential ?? null });
    // Developers simulate their own organization's credentials only; a valid
    // credential of another organization is answered like an unknown one.
    const orgId = result.key?.orgId ?? result.token?.orgId;
    if (!isAdmin && orgId !== undefined && orgId !== principal.orgId) {
      throw new ApiError("not_found", "No such credential in this organization.");
    }
  }
  return toSimulation(result);
}

export function toSimulation(r: AccessResult): Simulation {
  const credential = r.key
    ? { type: "api_key" as const, id: r.key.id, orgId: r.key.orgId }
    : r.token
      ? { type: "oauth_access_token" as const, id: r.token.jti, orgId: r.token.orgId }
      : null;
  const route =
    r.route.kind === "route" && r.route.rule
      ? { api: r.route.api.name, method: r.route.rule.method, pathTemplate: r.route.rule.pathTemplate }
      : r.route.kind !== "none"
        ? { api: r.route.api.name, method: "", pathTemplate: "" }
        : null;
  return {
    allow: r.allow,
    code: r.code,
    status: r.status,
    decidedBy: r.decidedBy,
    credential,
    route,
    trace: r.trace ?? [],
  };
}
