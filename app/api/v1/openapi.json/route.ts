// GET /api/v1/openapi.json — the management API described from its zod schemas
import { NextResponse } from "next/server";
import { publicUrl } from "@/lib/env";
import { openApiDocument } from "@/lib/openapi/document";

export function GET() {
  return NextResponse.json(openApiDocument(publicUrl()));
}
