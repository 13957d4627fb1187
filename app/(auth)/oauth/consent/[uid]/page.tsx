// The consent screen. server.ts has already checked the interaction and the
// portal session, and hands the summary over in an internal request header
// (stripped from every client request first). The form is plain HTML: it
// POSTs to /oauth/consent/:uid/confirm, where server.ts saves the grant.
import Link from "next/link";
import { headers } from "next/headers";
import { AuthCard } from "@/components/auth/auth-card";
import { CONSENT_HEADER, type ConsentSummary } from "@/lib/oauth/consent-summary";

export const metadata = { title: "Authorize application" };

export default async function ConsentPage({ params }: { params: Promise<{ uid: string }> }) {
  const { uid } = await params;
  const raw = (await headers()).get(CONSENT_HEADER);
  let summary: ConsentSummary | null = null;
  try {
    summary = raw ? (JSON.parse(Buffer.from(raw, "base64url").toString("utf8")) as ConsentSummary) : null;
  } catch {
    summary = null;
  }
  if (!summary || summary.uid !== uid) {
    return (
      <AuthCard title="Authorization expired" footer={<Link href="/portal">Back to Gatehouse</Link>}>
        <p className="text-sm text-slate-700">Start again from the application that sent you here.</p>
      </AuthCard>
    );
  }
  return (
    <AuthCard title={`Authorize ${summary.clientName}`} footer={<>Signed in as {summary.userEmail}</>}>
      <div className="space-y-4 text-sm">
        <p>
          <strong>{summary.clientName}</strong> by <strong>{summary.orgName}</strong> wants to access the API on your
          behalf
          {summary.redirectHost ? (
            <>
              {" "}
              and will receive the answer at <code>{summary.redirectHost}</code>
            </>
          ) : null}
          .
        </p>
        <div>
          <h2 className="font-medium">It asks for</h2>
          {summary.scopes.length === 0 ? (
            <p className="text-slate-600">No API permissions — only to know who you are.</p>
          ) : (
            <ul className="mt-2 space-y-1" aria-label="Requested permissions">
              {summary.scopes.map((s) => (
                <li key={s.name}>
                  <code className="text-xs">{s.name}</code> <span className="text-slate-600">{s.description}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
        <form method="post" action={`/oauth/consent/${summary.uid}/confirm`} className="flex gap-2">
          <button
            type="submit"
            name="decision"
            value="deny"
            className="flex-1 rounded-md border border-slate-300 bg-white px-3 py-2 font-medium"
          >
            Deny
          </button>
          <button
            type="submit"
            name="decision"
            value="allow"
            className="flex-1 rounded-md bg-indigo-600 px-3 py-2 font-medium text-white"
          >
            Allow
          </button>
        </form>
        <p className="text-xs text-slate-500">You can revoke this at any time in Settings → Authorized apps.</p>
      </div>
    </AuthCard>
  );
}
