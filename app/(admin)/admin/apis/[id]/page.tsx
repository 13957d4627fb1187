import Link from "next/link";
import { notFound } from "next/navigation";
import { DeleteApiButton, ReimportForm } from "@/components/apis/api-admin-actions";
import { RouteRulesTable } from "@/components/apis/route-rules-table";
import { ApiError } from "@/lib/api/errors";
import { requireAdmin } from "@/lib/auth/session";
import { getApi } from "@/lib/catalog/list-apis";

export const metadata = { title: "API" };

export default async function ApiDetailPage({ params }: { params: Promise<{ id: string }> }) {
  const principal = await requireAdmin();
  const { id } = await params;
  const api = await getApi(principal, id).catch((e: unknown) => {
    if (e instanceof ApiError && e.code === "not_found") notFound();
    throw e;
  });
  const fileName = `${api.basePath.slice(1).replace(/[^A-Za-z0-9._-]+/g, "-")}.openapi.json`;
  return (
    <section className="space-y-6">
      <Link href="/admin/apis" className="text-sm text-indigo-700 underline">
        ← All APIs
      </Link>
      <div className="flex items-start justify-between gap-4">
        <div>
          <h1 className="text-2xl font-semibold">{api.name}</h1>
          <dl className="mt-2 grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm">
            <dt className="text-slate-500">Base path</dt>
            <dd className="font-mono text-xs">{api.basePath}</dd>
            <dt className="text-slate-500">Upstream</dt>
            <dd className="font-mono text-xs">{api.upstreamUrl}</dd>
            <dt className="text-slate-500">Registered</dt>
            <dd>{new Date(api.createdAt).toLocaleString()}</dd>
          </dl>
        </div>
        <div className="flex items-center gap-2">
          <a
            href={`/api/v1/apis/${encodeURIComponent(api.id)}/openapi.json`}
            download={fileName}
            className="inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-3 py-2 text-sm font-medium text-slate-800 hover:bg-slate-100"
          >
            Download OpenAPI
          </a>
          <DeleteApiButton api={api} />
        </div>
      </div>
      <div>
        <h2 className="mb-2 text-lg font-semibold">Route rules</h2>
        <RouteRulesTable basePath={api.basePath} routes={api.routes} />
      </div>
      <ReimportForm apiId={api.id} />
    </section>
  );
}
