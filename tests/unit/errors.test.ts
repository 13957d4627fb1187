import { describe, expect, it } from "vitest";
import { ApiError, ERROR_STATUS, toErrorResponse } from "../../lib/api/errors";

describe("error shape", () => {
  it("maps codes to statuses from one table", () => {
    expect(ERROR_STATUS).toMatchObject({
      validation_failed: 422,
      not_found: 404,
      unauthorized: 401,
      forbidden: 403,
      rate_limited: 429,
    });
    const r = toErrorResponse(new ApiError("not_found", "No such key."), "req-1");
    expect(r).toEqual({
      status: 404,
      body: { error: { code: "not_found", message: "No such key.", requestId: "req-1" } },
      headers: undefined,
    });
  });

  it("hides unknown errors behind internal_error with no details", () => {
    const r = toErrorResponse(new Error("connection string postgres://secret@db"), "req-2");
    expect(r.status).toBe(500);
    expect(r.body.error.code).toBe("internal_error");
    expect(JSON.stringify(r.body)).not.toContain("secret");
  });
});
