import Link from "next/link";
import { PolicyBadges } from "@/components/plans/policy-badges";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/field";
import { requireAdmin } from "@/lib/auth/session";
import { listPlans } from "@/lib/plans/list-plans";
import { listOrgPolicies } from "@/lib/orgs/org-policies";
import { listOrgsQuerySchema } from "@/lib/schemas/plans";

export const metadata = { title: "Organizations" };

type Search = { q?: string; planId?: string; cursor?: string };

export default async function OrgsPage({ searchParams }: { searchParams: Promise<Search> }) {
  const principal = await requireAdmin();
  const raw = await searchParams;
  const parsed = listOrgsQuerySchema.safeParse({
    q: raw.q || undefined,
    planId: raw.planId || undefined,
    cursor: raw.cursor || undefined,
  });
  const query = parsed.success ? parsed.data : { limit: 100 };
  const [{ data: orgs, nextCursor }, plans] = await Promise.all([
    listOrgPolicies(principal, query),
    listPlans(principal),
  ]);
  const next = new URLSearchParams({
    ...(raw.q ? { q: raw.q } : {}),
    ...(raw.planId ? { planId: raw.planId } : {}),
    ...(nextCursor ? { cursor: nextCursor } : {}),
  });
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-semibold">Organizations</h1>
      <form className="flex flex-wrap items-end gap-3" aria-label="Find organizations">
        <label className="text-sm">
          <span className="font-medium text-slate-800">Search</span>
          <Input name="q" defaultValue={raw.q ?? ""} placeholder="slug or name" className="mt-1 w-64" />
        </label>
        <label className="text-sm">
          <span className="block font-medium text-slate-800">Plan</span>
          <select
            name="planId"
            defaultValue={raw.planId ?? ""}
            className="mt-1 rounded-md border border-slate-300 bg-white px-3 py-2 text-sm"
          >
            <option value="">Any plan</option>
            {plans.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name}
              </option>
            ))}
          </select>
        </label>
        <Button type="submit" variant="secondary">
          Find
        </Button>
      </form>
      {orgs.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
          No organizations match.
        </p>
      ) : (
        <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Organizations">
          <thead className="bg-slate-50 text-left text-slate-600">
            <tr>
              <th className="px-3 py-2">Organization</th>
              <th className="px-3 py-2">Kind</th>
              <th className="px-3 py-2">Plan</th>
              <th className="px-3 py-2">Own policy</th>
              <th className="px-3 py-2">Members</th>
            </tr>
          </thead>
          <tbody>
            {orgs.map((o) => (
              <tr key={o.id} className="border-t border-slate-100" data-org-slug={o.slug}>
                <td className="px-3 py-2">
                  <Link className="font-medium text-indigo-700 underline" href={`/admin/orgs/${o.id}`}>
                    {o.name}
                  </Link>
                  <div className="font-mono text-xs text-slate-500">{o.slug}</div>
                </td>
                <td className="px-3 py-2">{o.kind}</td>
                <td className="px-3 py-2">{o.plan ? o.plan.name : <span className="text-slate-500">—</span>}</td>
                <td className="px-3 py-2">
                  <PolicyBadges policy={o.policy} none="—" />
                </td>
                <td className="px-3 py-2">{o.members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor ? (
        <Link className="inline-block text-indigo-700 underline" href={`/admin/orgs?${next.toString()}`}>
          Next page
        </Link>
      ) : null}
    </section>
  );
}
