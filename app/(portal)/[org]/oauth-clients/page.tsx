import { OAuthClientsPanel } from "@/components/oauth-clients/oauth-clients-panel";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { prisma } from "@/lib/db";
import { listClients } from "@/lib/oauth-clients/list-clients";
import { listScopes } from "@/lib/scopes/list-scopes";
import { createClientAction, revokeClientAction, rotateSecretAction } from "./actions";

export const metadata = { title: "OAuth clients" };

export default async function OAuthClientsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const principal = await requireUser(org);
  const [clients, scopes] = await Promise.all([listClients(principal), listScopes(prisma)]);
  return (
    <OAuthClientsPanel
      orgSlug={principal.orgSlug}
      initialClients={clients}
      scopes={scopes}
      canWrite={can(principal.orgRole, "clients:write")}
      createClient={createClientAction}
      rotateSecret={rotateSecretAction}
      revokeClient={revokeClientAction}
    />
  );
}
