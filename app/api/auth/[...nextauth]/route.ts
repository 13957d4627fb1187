import NextAuth from "next-auth";
import type { NextRequest } from "next/server";
import { authOptions } from "@/lib/auth/options";

type Ctx = { params: Promise<{ nextauth: string[] }> };

// next-auth v4's App Router handler; options are built per request so env set at start is honoured.
async function handler(req: NextRequest, ctx: Ctx) {
  return NextAuth(req as never, { params: await ctx.params } as never, authOptions()) as Promise<Response>;
}

export { handler as GET, handler as POST };
