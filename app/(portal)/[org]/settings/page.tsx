import { AuthorizedApps } from "@/components/settings/authorized-apps";
import { TokensPanel } from "@/components/tokens/tokens-panel";
import { requireUser } from "@/lib/auth/session";
import { listTokens } from "@/lib/tokens/create-token";
import { listAuthorizedApps } from "@/lib/oauth/grants";
import { createTokenAction, revokeAuthorizedAppAction } from "./actions";

export const metadata = { title: "Settings" };

export default async function SettingsPage({ params }: { params: Promise<{ org: string }> }) {
  const { org } = await params;
  const principal = await requireUser(org);
  return (
    <div className="space-y-8">
      <h1 className="text-2xl font-semibold">Settings</h1>
      <TokensPanel orgSlug={principal.orgSlug} tokens={await listTokens(principal)} createToken={createTokenAction} />
      <AuthorizedApps
        apps={await listAuthorizedApps(principal.userId)}
        revoke={revokeAuthorizedAppAction.bind(null, principal.orgSlug)}
      />
    </div>
  );
}
