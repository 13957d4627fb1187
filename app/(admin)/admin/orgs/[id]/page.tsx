import Link from "next/link";
import { notFound } from "next/navigation";
import { OrgPlanForm, OrgPolicyForm } from "@/components/orgs/org-policy-forms";
import { PolicyBadges } from "@/components/plans/policy-badges";
import { ApiError } from "@/lib/api/errors";
import { requireAdmin } from "@/lib/auth/session";
import { getPlan, listPlans } from "@/lib/plans/list-plans";
import { getOrgPolicy } from "@/lib/orgs/org-policies";

export const metadata = { title: "Organization policy" };

async function findOrg(...args: Parameters<typeof getOrgPolicy>) {
  try {
    return await getOrgPolicy(...args);
  } catch (e) {
    if (e instanceof ApiError && e.code === "not_found") notFound();
    throw e;
  }
}

export default async function OrgPolicyPage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requireAdmin();
  const { id } = await params;
  const org = await findOrg(principal, id);
  const [plans, plan] = await Promise.all([
    listPlans(principal),
    org.plan ? getPlan(principal, org.plan.id).catch(() => null) : null,
  ]);
  return (
    <section className="space-y-6">
      <div>
        <Link href="/admin/orgs" className="text-sm text-indigo-700 underline">
          ← Organizations
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold">{org.name}</h1>
          <code className="text-sm text-slate-600">{org.slug}</code>
          <span className="text-sm text-slate-500">
            {org.kind} · {org.members} member{org.members === 1 ? "" : "s"}
          </span>
        </div>
      </div>

      <div className="space-y-2">
        <h2 className="text-lg font-semibold">Plan</h2>
        <OrgPlanForm org={org} plans={plans.map((p) => ({ id: p.id, name: p.name }))} />
        <div className="flex items-center gap-2" data-testid="plan-policy">
          <span className="text-sm text-slate-600">
            {plan ? (
              <>
                <Link className="text-indigo-700 underline" href={`/admin/plans/${plan.id}`}>
                  {plan.name}
                </Link>
                &apos;s policy:
              </>
            ) : (
              "No plan."
            )}
          </span>
          {plan ? <PolicyBadges policy={plan.policy} none="No limits" /> : null}
        </div>
      </div>

      <div className="space-y-2">
        <h2 className="text-lg font-semibold">Organization policy</h2>
        <p className="text-sm text-slate-600">
          Counts for all of the organization&apos;s keys and clients together, on top of the plan: its rate limits are
          shared by every credential, its quota replaces the plan&apos;s, and IP allowlists and time windows of every
          level must all pass (a credential can narrow them, never widen them).
        </p>
        <div className="flex items-center gap-2" data-testid="saved-policy">
          <span className="text-sm text-slate-600">Saved policy:</span>
          <PolicyBadges policy={org.policy} none="Nothing set on the organization." />
        </div>
        <OrgPolicyForm org={org} />
      </div>
    </section>
  );
}
