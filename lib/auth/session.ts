import "server-only";
import { getServerSession } from "next-auth";
import { headers } from "next/headers";
import { notFound, redirect } from "next/navigation";
import { cache } from "react";
import { authOptions } from "./options";
import { principalForUser } from "./resolve-principal";
import { metaFromHeaders } from "./request-meta";

/** The signed-in user's id, or null. Cached per request. */
export const getSessionUserId = cache(async (): Promise<string | null> => {
  const session = await getServerSession(authOptions());
  const id = (session?.user as { id?: string } | undefined)?.id;
  return typeof id === "string" ? id : null;
});

/** The user's principal in `orgSlug` (or their first org); redirects to sign-in when signed out. */
export const requireUser = cache(async (orgSlug?: string) => {
  const userId = await getSessionUserId();
  if (!userId) redirect("/sign-in");
  const principal = await principalForUser(userId, orgSlug);
  if (!principal) {
    if (orgSlug) notFound();
    redirect("/sign-in?error=SessionEnded");
  }
  return principal;
});

export async function requireAdmin() {
  const principal = await requireUser();
  if (principal.platformRole !== "admin") notFound();
  return principal;
}

export async function requestMeta() {
  return metaFromHeaders(await headers());
}
