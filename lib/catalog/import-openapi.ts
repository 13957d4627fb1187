// Import (or re-import) an OpenAPI document into the catalog: its security
// schemes are stored on the API, its operations replace the API's route rules,
// and scope names the catalog does not know yet become scopes.
import { emitCredentialChange, notifyCredentialChange } from "../access/events";
import { ApiError } from "../api/errors";
import { recordAudit, type RequestMeta } from "../audit/record";
import { assertPlatformAdmin, actorOf, type Principal } from "../auth/principal";
import { prisma, type Tx } from "../db";
import type { Prisma } from "../generated/prisma/client";
import type { ApiView, ImportOpenApiInput } from "../schemas/apis";
import { apiViewSelect, toApiView } from "./api-view";
import { parseOpenApi, type ParsedOpenApi } from "./parse-openapi";

/** Parse a document or throw 422 `validation_failed` whose `details` list every problem found. */
export async function parseOpenApiOrThrow(input: unknown): Promise<ParsedOpenApi> {
  const result = await parseOpenApi(input);
  if (result.ok) return result.value;
  const n = result.problems.length;
  const first = result.problems[0];
  throw new ApiError(
    "validation_failed",
    n === 1 && first
      ? `The OpenAPI document is invalid: ${first.path}: ${first.message}`
      : `The OpenAPI document is invalid (${n} problems).`,
    { details: result.problems },
  );
}

/**
 * Write a parsed document's catalog entries for one API inside the caller's
 * transaction: replace its route rules, store schemes and document, and add
 * unknown scopes (existing scopes keep their descriptions). Returns the new scope names.
 */
export async function writeCatalogEntries(
  tx: Tx,
  api: { id: string; name: string },
  parsed: ParsedOpenApi,
): Promise<{ newScopes: string[]; routes: number }> {
  await tx.routeRule.deleteMany({ where: { apiId: api.id } });
  if (parsed.routes.length > 0) {
    await tx.routeRule.createMany({
      data: parsed.routes.map((r) => ({
        apiId: api.id,
        method: r.method,
        pathTemplate: r.pathTemplate,
        operationId: r.operationId,
        security: r.security,
        anonymous: r.anonymous,
      })),
    });
  }
  await tx.api.update({
    where: { id: api.id },
    data: {
      openapi: parsed.document as Prisma.InputJsonValue,
      securitySchemes: parsed.securitySchemes as Prisma.InputJsonValue,
    },
  });
  const names = parsed.scopes.map((s) => s.name);
  const existing = new Set(
    names.length === 0
      ? []
      : (await tx.scope.findMany({ where: { name: { in: names } }, select: { name: true } })).map((s) => s.name),
  );
  const fresh = parsed.scopes.filter((s) => !existing.has(s.name));
  if (fresh.length > 0) {
    await tx.scope.createMany({
      data: fresh.map((s) => ({ name: s.name, description: s.description ?? `Imported from ${api.name}` })),
      skipDuplicates: true,
    });
  }
  return { newScopes: fresh.map((s) => s.name), routes: parsed.routes.length };
}

/** PUT /api/v1/apis/{id}/openapi: the new document's operations replace every route rule of the API. */
export async function importOpenApi(
  principal: Principal,
  id: string,
  input: ImportOpenApiInput,
  meta: RequestMeta,
): Promise<ApiView> {
  assertPlatformAdmin(principal);
  const parsed = await parseOpenApiOrThrow(input.openapi);
  const view = await prisma.$transaction(async (tx) => {
    const api = await tx.api.findUnique({ where: { id }, select: { id: true, name: true, basePath: true } });
    if (!api) throw new ApiError("not_found", "No such API.");
    const previousRoutes = await tx.routeRule.count({ where: { apiId: id } });
    const { newScopes, routes } = await writeCatalogEntries(tx, api, parsed);
    await recordAudit(tx, {
      actor: actorOf(principal),
      action: "api.import",
      target: { type: "api", id },
      request: meta,
      context: {
        name: api.name,
        basePath: api.basePath,
        routes,
        previousRoutes,
        securitySchemes: Object.keys(parsed.securitySchemes),
        newScopes,
      },
    });
    await notifyCredentialChange(tx, { kind: "catalog" });
    return toApiView(await tx.api.findUniqueOrThrow({ where: { id }, select: apiViewSelect }));
  });
  emitCredentialChange({ kind: "catalog" });
  return view;
}
