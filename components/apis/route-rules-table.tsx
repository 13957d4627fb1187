import type { RouteRuleView } from "@/lib/schemas/apis";
import { Badge } from "../ui/badge";

/** "read:pets + write:pets", or "any valid credential" for an alternative without scopes. */
function Alternative({ scopes }: { scopes: string[] }) {
  if (scopes.length === 0) return <span className="text-slate-700">any valid credential</span>;
  return (
    <span>
      {scopes.map((s, i) => (
        <span key={s}>
          {i > 0 ? <span className="text-slate-400"> + </span> : null}
          <code className="text-xs">{s}</code>
        </span>
      ))}
    </span>
  );
}

export function AccessSummary({ rule }: { rule: RouteRuleView }) {
  return (
    <div className="flex flex-wrap items-center gap-1">
      {rule.anonymous ? <Badge tone="green">Public</Badge> : null}
      {rule.security.map((alt, i) => (
        <span key={i} className="flex items-center gap-1">
          {i > 0 || rule.anonymous ? <span className="text-xs text-slate-400">or</span> : null}
          <Alternative scopes={alt} />
        </span>
      ))}
    </div>
  );
}

export function RouteRulesTable({ basePath, routes }: { basePath: string; routes: RouteRuleView[] }) {
  if (routes.length === 0) {
    return (
      <p className="rounded-md border border-dashed border-slate-300 p-8 text-center text-slate-600">
        No route rules. Import an OpenAPI document to create them.
      </p>
    );
  }
  return (
    <table className="w-full rounded-lg border border-slate-200 bg-white text-sm" aria-label="Route rules">
      <thead className="bg-slate-50 text-left text-slate-600">
        <tr>
          <th className="px-3 py-2">Method</th>
          <th className="px-3 py-2">Path</th>
          <th className="px-3 py-2">Operation</th>
          <th className="px-3 py-2">Required access</th>
        </tr>
      </thead>
      <tbody>
        {routes.map((r) => (
          <tr key={`${r.method} ${r.pathTemplate}`} className="border-t border-slate-100">
            <td className="px-3 py-2 font-mono text-xs font-semibold">{r.method}</td>
            <td className="px-3 py-2 font-mono text-xs">
              <span className="text-slate-400">{basePath}</span>
              {r.pathTemplate}
            </td>
            <td className="px-3 py-2 text-xs">{r.operationId ?? "—"}</td>
            <td className="px-3 py-2">
              <AccessSummary rule={r} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
