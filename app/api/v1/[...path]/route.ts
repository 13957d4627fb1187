// Unknown /api/v1 paths answer in the JSON error shape, not with an HTML page.
import { ApiError, newRequestId } from "@/lib/api/errors";
import { errorResponse } from "@/lib/api/handler";

function notFound() {
  return errorResponse(new ApiError("not_found", "No such endpoint. See /api/v1/openapi.json."), newRequestId());
}

export { notFound as GET, notFound as POST, notFound as PUT, notFound as PATCH, notFound as DELETE };
