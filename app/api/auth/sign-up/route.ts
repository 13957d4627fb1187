// POST /api/auth/sign-up — create an account. The answer is the same whether or
// not the email is already registered (no account enumeration).
import type { NextRequest } from "next/server";
import { newRequestId } from "@/lib/api/errors";
import { errorResponse, json, parseBody } from "@/lib/api/handler";
import { metaFromHeaders } from "@/lib/auth/request-meta";
import { signUpSchema } from "@/lib/schemas/auth";
import { signUpUser } from "@/lib/users/sign-up";

export async function POST(req: NextRequest) {
  const requestId = newRequestId();
  try {
    const input = await parseBody(req, signUpSchema);
    await signUpUser(input, metaFromHeaders(req.headers));
    return json({
      ok: true,
      message: "If this email was not registered yet, the account is ready. Sign in to continue.",
    });
  } catch (err) {
    return errorResponse(err, requestId);
  }
}
