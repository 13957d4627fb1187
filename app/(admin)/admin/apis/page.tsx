import Link from "next/link";
import { RegisterApiForm } from "@/components/apis/register-api-form";
import { requireAdmin } from "@/lib/auth/session";
import { listApis } from "@/lib/catalog/list-apis";

export const metadata = { title: "APIs" };

export default async function ApisPage() {
  // Every admin page checks itself (see audit/page.tsx): layouts render in parallel with pages.
  const principal = await requireAdmin();
  const apis = await listApis(principal);
  return (
    <section className="space-y-6">
      <h1 className="text-2xl font-semibold">APIs</h1>
      {apis.length === 0 ? (
        <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
          No APIs yet. Register one below, with its OpenAPI document, to get route rules.
        </p>
      ) : (
        <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="APIs">
          <thead className="bg-slate-50 text-left text-slate-600">
            <tr>
              <th className="px-3 py-2">Name</th>
              <th className="px-3 py-2">Base path</th>
              <th className="px-3 py-2">Upstream</th>
              <th className="px-3 py-2">Route rules</th>
              <th className="px-3 py-2">Registered</th>
            </tr>
          </thead>
          <tbody>
            {apis.map((a) => (
              <tr key={a.id} className="border-t border-slate-100">
                <td className="px-3 py-2 font-medium">
                  <Link className="text-indigo-700 underline" href={`/admin/apis/${a.id}`}>
                    {a.name}
                  </Link>
                </td>
                <td className="px-3 py-2 font-mono text-xs">{a.basePath}</td>
                <td className="px-3 py-2 font-mono text-xs">{a.upstreamUrl}</td>
                <td className="px-3 py-2">{a.routes.length}</td>
                <td className="px-3 py-2 whitespace-nowrap">{new Date(a.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RegisterApiForm />
    </section>
  );
}
