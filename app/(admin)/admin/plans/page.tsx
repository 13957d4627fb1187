import Link from "next/link";
import { CreatePlanForm } from "@/components/plans/plan-forms";
import { PolicyBadges } from "@/components/plans/policy-badges";
import { requireAdmin } from "@/lib/auth/session";
import { listPlans } from "@/lib/plans/list-plans";

export const metadata = { title: "Plans" };

export default async function PlansPage() {
  // Every admin page checks itself (see audit/page.tsx): layouts render in parallel with pages.
  const principal = await requireAdmin();
  const plans = await listPlans(principal);
  return (
    <section className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Plans</h1>
        <p className="mt-1 text-sm text-slate-600">
          A plan&apos;s rate limits count per key or client of every organization on it (unless the credential sets its
          own); its quota counts for the whole organization (unless the organization sets its own). IP allowlists and
          time windows of every level must all pass.
        </p>
      </div>
      {plans.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
          No plans yet. Create one below, then put organizations on it.
        </p>
      ) : (
        <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Plans">
          <thead className="bg-slate-50 text-left text-slate-600">
            <tr>
              <th className="px-3 py-2">Name</th>
              <th className="px-3 py-2">Policy</th>
              <th className="px-3 py-2">Organizations</th>
              <th className="px-3 py-2">Description</th>
            </tr>
          </thead>
          <tbody>
            {plans.map((p) => (
              <tr key={p.id} className="border-t border-slate-100">
                <td className="px-3 py-2 font-medium">
                  <Link className="text-indigo-700 underline" href={`/admin/plans/${p.id}`}>
                    {p.name}
                  </Link>
                </td>
                <td className="px-3 py-2">
                  <PolicyBadges policy={p.policy} none="No limits" />
                </td>
                <td className="px-3 py-2">
                  <Link className="text-indigo-700 underline" href={`/admin/orgs?planId=${encodeURIComponent(p.id)}`}>
                    {p.organizations}
                  </Link>
                </td>
                <td className="px-3 py-2 text-slate-600">{p.description || "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <CreatePlanForm />
    </section>
  );
}
