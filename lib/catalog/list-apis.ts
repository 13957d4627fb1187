import { ApiError } from "../api/errors";
import type { Principal } from "../auth/principal";
import { prisma } from "../db";
import type { ApiView } from "../schemas/apis";
import { assertCatalogAdmin } from "./admin";
import { apiViewSelect, toApiView } from "./api-view";

export async function listApis(principal: Principal): Promise<ApiView[]> {
  assertCatalogAdmin(principal);
  const rows = await prisma.api.findMany({ orderBy: [{ name: "asc" }, { basePath: "asc" }], select: apiViewSelect });
  return rows.map(toApiView);
}

export async function getApi(principal: Principal, id: string): Promise<ApiView> {
  assertCatalogAdmin(principal);
  const row = await prisma.api.findUnique({ where: { id }, select: apiViewSelect });
  if (!row) throw new ApiError("not_found", "No such API.");
  return toApiView(row);
}
