import Link from "next/link";
import { notFound } from "next/navigation";
import { PolicyEditor } from "@/components/keys/policy-editor";
import { Badge } from "@/components/ui/badge";
import { ApiError } from "@/lib/api/errors";
import { can } from "@/lib/auth/permissions";
import { requireUser } from "@/lib/auth/session";
import { getKey } from "@/lib/keys/list-keys";

export const metadata = { title: "Key policy" };

const TONE = { active: "green", revoked: "red", expired: "amber" } as const;

async function findKey(...args: Parameters<typeof getKey>) {
  try {
    return await getKey(...args);
  } catch (e) {
    if (e instanceof ApiError && e.code === "not_found") notFound();
    throw e;
  }
}

export default async function KeyPolicyPage({ params }: { params: Promise<{ org: string; id: string }> }) {
  const { org, id } = await params;
  const principal = await requireUser(org);
  const key = await findKey(principal, id);
  const base = `/${principal.orgSlug}`;
  return (
    <section className="space-y-6">
      <div>
        <Link href={`${base}/keys`} className="text-sm text-indigo-700 underline">
          ← API keys
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold">Policy for {key.name}</h1>
          <code className="text-sm text-slate-600">{key.display}</code>
          <Badge tone={TONE[key.status]}>{key.status}</Badge>
          <Link
            href={`${base}/simulator?key=${encodeURIComponent(key.id)}`}
            className="ml-auto text-sm text-indigo-700 underline"
          >
            Try it in the simulator
          </Link>
        </div>
        <p className="mt-1 text-sm text-slate-600">
          Anything left empty here is inherited from your organization and plan. Saved changes reach every gateway at
          once.
        </p>
      </div>
      <PolicyEditor orgSlug={principal.orgSlug} initialKey={key} canWrite={can(principal.orgRole, "keys:write")} />
    </section>
  );
}
