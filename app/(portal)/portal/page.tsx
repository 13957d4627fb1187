import { redirect } from "next/navigation";
import { requireUser } from "@/lib/auth/session";

/** Landing after sign-in: the user's first (personal) organization. */
export default async function PortalHome() {
  const principal = await requireUser();
  redirect(`/${principal.orgSlug}/keys`);
}
