// The management API's OpenAPI 3.1 document, generated from the same zod
// schemas the handlers parse with (never hand-written).
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import { apiListSchema, apiSchema, createApiSchema, importOpenApiSchema } from "../schemas/apis";
import { errorSchema } from "../schemas/errors";
import { createdKeySchema, createKeySchema, keyListSchema, keySchema } from "../schemas/keys";
import {
  createdOAuthClientSchema,
  createOAuthClientSchema,
  oauthClientListSchema,
  oauthClientSchema,
  rotatedSecretSchema,
  rotateSecretSchema,
} from "../schemas/oauth-clients";
import { createdTokenSchema, createTokenSchema, tokenSchema } from "../schemas/tokens";
import { updateKeySchema } from "../schemas/policy";
import {
  createPlanSchema,
  listOrgsQuerySchema,
  oauthClientWithPolicySchema,
  orgPolicyListSchema,
  orgPolicySchema,
  planListSchema,
  planSchema,
  updateClientPolicySchema,
  updateOrgPolicySchema,
  updatePlanSchema,
} from "../schemas/plans";
import { simulateSchema, simulationSchema } from "../schemas/simulate";

let cached: object | undefined;

export function openApiDocument(serverUrl: string): object {
  if (cached) return cached;
  const r = new OpenAPIRegistry();
  const bearer = r.registerComponent("securitySchemes", "managementToken", {
    type: "http",
    scheme: "bearer",
    description: "A management token (`gmt_…`) created in the portal's settings or with POST /api/v1/tokens.",
  });
  const security = [{ [bearer.name]: [] }];
  const err = (description: string) => ({ description, content: { "application/json": { schema: errorSchema } } });
  const idParam = z.object({ id: z.string() });
  const jsonBody = (schema: z.ZodType) => ({ content: { "application/json": { schema } } });

  r.registerPath({
    method: "post",
    path: "/api/v1/tokens",
    summary: "Create a management token (shown once)",
    security,
    request: { body: jsonBody(createTokenSchema) },
    responses: {
      201: { description: "Created", ...jsonBody(createdTokenSchema) },
      401: err("Not signed in"),
      422: err("Invalid input"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/tokens",
    summary: "List your management tokens",
    security,
    responses: {
      200: { description: "Tokens", ...jsonBody(z.object({ data: z.array(tokenSchema) })) },
      401: err("Not signed in"),
    },
  });
  r.registerPath({
    method: "post",
    path: "/api/v1/keys",
    summary: "Create an API key (the secret is returned once)",
    security,
    request: { body: jsonBody(createKeySchema) },
    responses: {
      201: { description: "Created", ...jsonBody(createdKeySchema) },
      400: err("Malformed JSON"),
      401: err("Not authenticated"),
      403: err("Role lacks keys:write"),
      422: err("Invalid input, e.g. an unknown scope"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/keys",
    summary: "List API keys (never secrets)",
    security,
    responses: { 200: { description: "Keys", ...jsonBody(keyListSchema) }, 401: err("Not authenticated") },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/keys/{id}",
    summary: "Get one API key",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The key", ...jsonBody(keySchema) },
      404: err("No such key in your organization"),
    },
  });
  r.registerPath({
    method: "patch",
    path: "/api/v1/keys/{id}",
    summary: "Change an API key's name, policy, remaining uses or refill (`null` clears a field)",
    security,
    request: { params: idParam, body: jsonBody(updateKeySchema) },
    responses: {
      200: { description: "The updated key", ...jsonBody(keySchema) },
      400: err("Malformed JSON"),
      403: err("Role lacks keys:write"),
      404: err("No such key in your organization"),
      409: err("The key is revoked"),
      422: err("Invalid input, e.g. a bad CIDR, an unknown time zone or two limits with the same window"),
    },
  });
  r.registerPath({
    method: "post",
    path: "/api/v1/simulate",
    summary: "Simulate an access decision and its trace (nothing is counted)",
    security,
    request: { body: jsonBody(simulateSchema) },
    responses: {
      200: { description: "The decision and trace", ...jsonBody(simulationSchema) },
      400: err("Malformed JSON"),
      401: err("Not authenticated"),
      404: err("No such key in your organization"),
      422: err("Invalid input"),
    },
  });
  r.registerPath({
    method: "delete",
    path: "/api/v1/keys/{id}",
    summary: "Revoke an API key (immediately rejected by verifiers)",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The revoked key", ...jsonBody(keySchema) },
      404: err("No such key in your organization"),
    },
  });

  r.registerPath({
    method: "post",
    path: "/api/v1/oauth-clients",
    summary: "Register an OAuth client (a confidential client's secret is returned once)",
    security,
    request: { body: jsonBody(createOAuthClientSchema) },
    responses: {
      201: { description: "Created", ...jsonBody(createdOAuthClientSchema) },
      400: err("Malformed JSON"),
      401: err("Not authenticated"),
      403: err("Role lacks clients:write"),
      422: err("Invalid input, e.g. an unknown scope or an http redirect URI"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/oauth-clients",
    summary: "List OAuth clients (never secrets)",
    security,
    responses: {
      200: { description: "OAuth clients", ...jsonBody(oauthClientListSchema) },
      401: err("Not authenticated"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/oauth-clients/{id}",
    summary: "Get one OAuth client",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The client", ...jsonBody(oauthClientSchema) },
      404: err("No such client in your organization"),
    },
  });
  r.registerPath({
    method: "delete",
    path: "/api/v1/oauth-clients/{id}",
    summary: "Revoke an OAuth client and every token issued to it",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The revoked client", ...jsonBody(oauthClientSchema) },
      404: err("No such client in your organization"),
    },
  });
  r.registerPath({
    method: "post",
    path: "/api/v1/oauth-clients/{id}/rotate-secret",
    summary: "Rotate a confidential client's secret (the new one is returned once)",
    security,
    request: { params: idParam, body: jsonBody(rotateSecretSchema) },
    responses: {
      200: { description: "The new secret", ...jsonBody(rotatedSecretSchema) },
      404: err("No such client in your organization"),
      409: err("The client is revoked"),
      422: err("Invalid input, or a public client (it has no secret)"),
    },
  });

  // API catalog (platform admins)
  r.registerPath({
    method: "post",
    path: "/api/v1/apis",
    summary: "Register an API, optionally importing its OpenAPI 3.0/3.1 document (security → route rules)",
    security,
    request: { body: jsonBody(createApiSchema) },
    responses: {
      201: { description: "The registered API with its route rules", ...jsonBody(apiSchema) },
      400: err("Malformed JSON"),
      401: err("Not authenticated"),
      403: err("Not a platform admin"),
      409: err("Another API already uses this basePath"),
      422: err("Invalid input or OpenAPI document; `details` lists every problem"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/apis",
    summary: "List the API catalog with route rules",
    security,
    responses: {
      200: { description: "APIs", ...jsonBody(apiListSchema) },
      401: err("Not authenticated"),
      403: err("Not a platform admin"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/apis/{id}",
    summary: "Get one API with its route rules",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The API", ...jsonBody(apiSchema) },
      403: err("Not a platform admin"),
      404: err("No such API"),
    },
  });
  r.registerPath({
    method: "delete",
    path: "/api/v1/apis/{id}",
    summary: "Remove an API and its route rules (its scopes stay in the catalog)",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The removed API, as it was", ...jsonBody(apiSchema) },
      403: err("Not a platform admin"),
      404: err("No such API"),
    },
  });
  r.registerPath({
    method: "put",
    path: "/api/v1/apis/{id}/openapi",
    summary: "Re-import the API's OpenAPI document: its operations replace the route rules",
    description:
      'Send {"openapi": <document or its JSON/YAML text>}, the document itself as JSON, or its YAML text with `Content-Type: application/yaml`.',
    security,
    request: {
      params: idParam,
      body: {
        content: {
          "application/json": { schema: importOpenApiSchema },
          "application/yaml": { schema: z.string() },
        },
      },
    },
    responses: {
      200: { description: "The API with its new route rules", ...jsonBody(apiSchema) },
      403: err("Not a platform admin"),
      404: err("No such API"),
      422: err("Invalid OpenAPI document; `details` lists every problem"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/apis/{id}/openapi.json",
    summary: "Export the API as OpenAPI, served through Gatehouse, with its security schemes",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "An OpenAPI document", ...jsonBody(z.record(z.string(), z.unknown())) },
      403: err("Not a platform admin"),
      404: err("No such API"),
    },
  });

  // OAuth-client policy (developers, on their own organization's clients)
  r.registerPath({
    method: "patch",
    path: "/api/v1/oauth-clients/{id}",
    summary: "Set an OAuth client's policy: IP allowlist, time windows, rate limits, quota (`null` clears a field)",
    security,
    request: { params: idParam, body: jsonBody(updateClientPolicySchema) },
    responses: {
      200: { description: "The client with its policy", ...jsonBody(oauthClientWithPolicySchema) },
      400: err("Malformed JSON"),
      403: err("Role lacks clients:write"),
      404: err("No such client in your organization"),
      409: err("The client is revoked"),
      422: err("Invalid input, e.g. a bad CIDR, an unknown time zone or two limits with the same window"),
    },
  });

  // Plans and organization policies (platform admins)
  r.registerPath({
    method: "get",
    path: "/api/v1/admin/plans",
    summary: "List plans with their policy and how many organizations are on each",
    security,
    responses: {
      200: { description: "Plans", ...jsonBody(planListSchema) },
      401: err("Not authenticated"),
      403: err("Not a platform admin"),
    },
  });
  r.registerPath({
    method: "post",
    path: "/api/v1/admin/plans",
    summary: "Create a plan (multi-window rate limits, quota, IP allowlist, time windows)",
    security,
    request: { body: jsonBody(createPlanSchema) },
    responses: {
      201: { description: "The plan", ...jsonBody(planSchema) },
      400: err("Malformed JSON"),
      401: err("Not authenticated"),
      403: err("Not a platform admin"),
      409: err("A plan with this name exists (names are unique regardless of case)"),
      422: err("Invalid input; `details` lists every problem"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/admin/plans/{id}",
    summary: "Get one plan",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The plan", ...jsonBody(planSchema) },
      403: err("Not a platform admin"),
      404: err("No such plan"),
    },
  });
  r.registerPath({
    method: "patch",
    path: "/api/v1/admin/plans/{id}",
    summary: "Change a plan's name, description or policy (`null` clears a policy field); applies at once",
    security,
    request: { params: idParam, body: jsonBody(updatePlanSchema) },
    responses: {
      200: { description: "The updated plan", ...jsonBody(planSchema) },
      400: err("Malformed JSON"),
      403: err("Not a platform admin"),
      404: err("No such plan"),
      409: err("A plan with this name exists"),
      422: err("Invalid input; `details` lists every problem"),
    },
  });
  r.registerPath({
    method: "delete",
    path: "/api/v1/admin/plans/{id}",
    summary: "Delete a plan no organization is on",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The deleted plan, as it was", ...jsonBody(planSchema) },
      403: err("Not a platform admin"),
      404: err("No such plan"),
      409: err("Organizations are on this plan (`details.organizations` says how many): move them first"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/admin/orgs",
    summary: "List organizations with their plan and own policy, by slug",
    security,
    request: { query: listOrgsQuerySchema },
    responses: {
      200: { description: "A page of organizations", ...jsonBody(orgPolicyListSchema) },
      401: err("Not authenticated"),
      403: err("Not a platform admin"),
      422: err("Invalid query"),
    },
  });
  r.registerPath({
    method: "get",
    path: "/api/v1/admin/orgs/{id}",
    summary: "Get one organization with its plan and own policy",
    security,
    request: { params: idParam },
    responses: {
      200: { description: "The organization", ...jsonBody(orgPolicySchema) },
      403: err("Not a platform admin"),
      404: err("No such organization"),
    },
  });
  r.registerPath({
    method: "patch",
    path: "/api/v1/admin/orgs/{id}",
    summary: "Put an organization on a plan (or none) and/or set its own policy (`null` clears a field)",
    security,
    request: { params: idParam, body: jsonBody(updateOrgPolicySchema) },
    responses: {
      200: { description: "The organization", ...jsonBody(orgPolicySchema) },
      400: err("Malformed JSON"),
      403: err("Not a platform admin"),
      404: err("No such organization"),
      422: err("Invalid input or an unknown planId; `details` lists every problem"),
    },
  });

  cached = new OpenApiGeneratorV31(r.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Gatehouse management API",
      version: "1.0.0",
      description:
        "Manage API keys, OAuth clients and management tokens. Errors share one shape: {error: {code, message, requestId}}.",
    },
    servers: [{ url: serverUrl }],
  });
  return cached;
}
