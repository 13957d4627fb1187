import { ApiError } from "../api/errors";
import { assertPlatformAdmin, type Principal } from "../auth/principal";
import { prisma } from "../db";
import type { ApiView } from "../schemas/apis";
import { apiViewSelect, toApiView } from "./api-view";

export async function listApis(principal: Principal): Promise<ApiView[]> {
  assertPlatformAdmin(principal);
  const rows = await prisma.api.findMany({ orderBy: [{ name: "asc" }, { basePath: "asc" }], select: apiViewSelect });
  return rows.map(toApiView);
}

export async function getApi(principal: Principal, id: string): Promise<ApiView> {
  assertPlatformAdmin(principal);
  const row = await prisma.api.findUnique({ where: { id }, select: apiViewSelect });
  if (!row) throw new ApiError("not_found", "No such API.");
  return toApiView(row);
}
