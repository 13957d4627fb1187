import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma } from "../db";
import { Prisma } from "../generated/prisma/client";
import type { ApiView, CreateApiInput } from "../schemas/apis";
import { apiViewSelect, toApiView } from "./api-view";
import { parseOpenApiOrThrow, writeCatalogEntries } from "./import-openapi";

const basePathTaken = (basePath: string) =>
  new ApiError("conflict", `Another API already uses the basePath ${basePath}.`, {
    details: [{ path: "basePath", message: `${basePath} is taken.` }],
  });

/** Register an API, optionally with its OpenAPI document (route rules, schemes, new scopes) in the same transaction. */
export async function createApi(principal: Principal, input: CreateApiInput, meta: RequestMeta): Promise<ApiView> {
  assertPlatformAdmin(principal);
  // Parse before the transaction: validation is CPU work and must not hold a connection.
  const parsed = input.openapi === undefined ? null : await parseOpenApiOrThrow(input.openapi);
  let view: ApiView;
  try {
    view = await prisma.$transaction(async (tx) => {
      // Case-insensitive: the data plane matches base paths regardless of case.
      const taken = await tx.api.findFirst({
        where: { basePath: { equals: input.basePath, mode: "insensitive" } },
        select: { id: true },
      });
      if (taken) {
        throw basePathTaken(input.basePath);
      }
      const api = await tx.api.create({
        data: { name: input.name, basePath: input.basePath, upstreamUrl: input.upstreamUrl },
        select: { id: true, name: true },
      });
      const entries = parsed ? await writeCatalogEntries(tx, api, parsed) : { routes: 0, newScopes: [] };
      await recordAudit(tx, {
        actor: actorOf(principal),
        action: "api.create",
        target: { type: "api", id: api.id },
        request: meta,
        context: {
          name: input.name,
          basePath: input.basePath,
          upstreamUrl: input.upstreamUrl,
          routes: entries.routes,
          securitySchemes: parsed ? Object.keys(parsed.securitySchemes) : [],
          newScopes: entries.newScopes,
        },
      });
      await notifyCredentialChange(tx, { kind: "catalog" });
      return toApiView(await tx.api.findUniqueOrThrow({ where: { id: api.id }, select: apiViewSelect }));
    });
  } catch (e) {
    // Two admins racing for one basePath: the unique index decides.
    if (e instanceof Prisma.PrismaClientKnownRequestError && e.code === "P2002") throw basePathTaken(input.basePath);
    throw e;
  }
  emitCredentialChange({ kind: "catalog" });
  return view;
}
