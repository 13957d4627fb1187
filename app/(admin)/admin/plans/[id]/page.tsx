import Link from "next/link";
import { notFound } from "next/navigation";
import { DeletePlanButton, EditPlanForm } from "@/components/plans/plan-forms";
import { PolicyBadges } from "@/components/plans/policy-badges";
import { ApiError } from "@/lib/api/errors";
import { requireAdmin } from "@/lib/auth/session";
import { getPlan } from "@/lib/plans/list-plans";

export const metadata = { title: "Plan" };

async function findPlan(...args: Parameters<typeof getPlan>) {
  try {
    return await getPlan(...args);
  } catch (e) {
    if (e instanceof ApiError && e.code === "not_found") notFound();
    throw e;
  }
}

export default async function PlanPage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requireAdmin();
  const { id } = await params;
  const plan = await findPlan(principal, id);
  return (
    <section className="space-y-6">
      <div>
        <Link href="/admin/plans" className="text-sm text-indigo-700 underline">
          ← Plans
        </Link>
        <div className="mt-2 flex flex-wrap items-center gap-3">
          <h1 className="text-2xl font-semibold">{plan.name}</h1>
          <Link
            className="text-sm text-indigo-700 underline"
            href={`/admin/orgs?planId=${encodeURIComponent(plan.id)}`}
          >
            {plan.organizations} organization{plan.organizations === 1 ? "" : "s"}
          </Link>
          <div className="ml-auto">
            <DeletePlanButton plan={plan} />
          </div>
        </div>
        <div className="mt-2 flex items-center gap-2" data-testid="saved-policy">
          <span className="text-sm text-slate-600">Saved policy:</span>
          <PolicyBadges policy={plan.policy} none="No limits" />
        </div>
        <p className="mt-1 text-sm text-slate-600">Saved changes reach every gateway at once.</p>
      </div>
      <EditPlanForm plan={plan} />
    </section>
  );
}
