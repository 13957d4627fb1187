// Who is signed in to the portal: the authorization server's only login is
// the portal session (next-auth's JWT cookie). Used by the consent handler and
// by the provider's login policy.
import type { IncomingMessage } from "node:http";
import { getToken } from "next-auth/jwt";
import type { PrismaClient } from "../generated/prisma/client";

export async function portalUser(
  req: IncomingMessage,
  prisma: PrismaClient,
): Promise<{ id: string; email: string } | null> {
  // next-auth v4's getToken reads only req.cookies.
  const withCookies = req as IncomingMessage & { cookies?: Record<string, string> };
  withCookies.cookies ??= Object.fromEntries(
    (req.headers.cookie ?? "")
      .split(";")
      .map((c) => c.trim().split("="))
      .filter((kv) => kv.length >= 2)
      .map(([k, ...v]) => [k, decodeURIComponent(v.join("="))]),
  );
  const token = await getToken({ req: withCookies as never, secret: process.env.NEXTAUTH_SECRET ?? "" });
  const uid = typeof token?.uid === "string" ? token.uid : null;
  if (!uid) return null;
  const user = await prisma.user.findUnique({ where: { id: uid }, select: { id: true, email: true, status: true } });
  return user && user.status === "active" ? { id: user.id, email: user.email } : null;
}
