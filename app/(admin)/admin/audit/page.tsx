import Link from "next/link";
import { listAuditEvents } from "@/lib/audit/list-events";
import { requireAdmin } from "@/lib/auth/session";

export const metadata = { title: "Audit trail" };
const PAGE = 100;

export default async function AuditPage({ searchParams }: { searchParams: Promise<{ before?: string }> }) {
  // Layouts render in parallel with pages, so the layout's check alone would still
  // stream this page's rows into the 404's RSC payload: every admin page checks itself.
  await requireAdmin();
  const { before } = await searchParams;
  const cursor = before && /^\d+$/.test(before) ? BigInt(before) : undefined;
  const events = await listAuditEvents({ before: cursor, limit: PAGE });
  return (
    <section>
      <h1 className="mb-4 text-2xl font-semibold">Audit trail</h1>
      <table className="w-full rounded-lg border border-slate-200 bg-white text-sm">
        <thead className="bg-slate-50 text-left text-slate-600">
          <tr>
            <th className="px-3 py-2">When</th>
            <th className="px-3 py-2">Action</th>
            <th className="px-3 py-2">Actor</th>
            <th className="px-3 py-2">Target</th>
            <th className="px-3 py-2">IP</th>
            <th className="px-3 py-2">User agent</th>
          </tr>
        </thead>
        <tbody>
          {events.map((e) => (
            <tr key={e.id} className="border-t border-slate-100">
              <td className="px-3 py-2 whitespace-nowrap">{new Date(e.createdAt).toLocaleString()}</td>
              <td className="px-3 py-2">
                <code>{e.action}</code>
              </td>
              <td className="px-3 py-2">{e.actorLabel ?? e.actorType}</td>
              <td className="px-3 py-2 font-mono text-xs">{e.targetType ? `${e.targetType}:${e.targetId}` : "—"}</td>
              <td className="px-3 py-2">{e.ip ?? "—"}</td>
              <td className="max-w-xs truncate px-3 py-2 text-xs text-slate-500">{e.userAgent ?? "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {events.length === PAGE ? (
        <Link
          className="mt-4 inline-block text-indigo-700 underline"
          href={`/admin/audit?before=${events[events.length - 1].id}`}
        >
          Older events
        </Link>
      ) : null}
    </section>
  );
}
