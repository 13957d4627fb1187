// The management API's OpenAPI 3.1 document, generated from the same zod
// schemas the handlers parse with (never hand-written).
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
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
