import { KeysPanel } from "@/components/keys/keys-panel";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { listKeys } from "@/lib/keys/list-keys";
import { listScopes } from "@/lib/scopes/list-scopes";
import { createKeyAction, revokeKeyAction } from "./actions";

export const metadata = { title: "API keys" };

export default async function KeysPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const principal = await requireUser(org);
  const [keys, scopes] = await Promise.all([listKeys(principal), listScopes(prisma)]);
  return (
    <KeysPanel
      orgSlug={principal.orgSlug}
      initialKeys={keys}
      scopes={scopes}
      canWrite={can(principal.orgRole, "keys:write")}
      createKey={createKeyAction}
      revokeKey={revokeKeyAction}
    />
  );
}
