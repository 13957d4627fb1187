import Link from "next/link";
import { SimulatorForm } from "@/components/simulator/simulator-form";
import { requireUser } from "@/lib/auth/session";
import { listKeys } from "@/lib/keys/list-keys";

export const metadata = { title: "Access simulator" };

export default async function SimulatorPage({
  params,
  searchParams,
}: {
  params: Promise<{ org: string }>;
  searchParams: Promise<{ key?: string }>;
}) {
  const { org } = await params;
  const { key } = await searchParams;
  const principal = await requireUser(org);
  const keys = await listKeys(principal);
  const options = keys.map((k) => ({ id: k.id, name: k.name, display: k.display, status: k.status }));
  return (
    <section>
      <div className="mb-4 flex items-baseline gap-4">
        <h1 className="text-2xl font-semibold">Access simulator</h1>
        {principal.platformRole === "admin" ? (
          <Link href="/admin/simulator" className="text-sm text-indigo-700 underline">
            Any key (admin)
          </Link>
        ) : null}
      </div>
      <p className="mb-6 text-sm text-slate-600">
        What would Gatehouse answer for this credential, request, address and time — and which rule decides?
      </p>
      <SimulatorForm
        orgSlug={principal.orgSlug}
        keys={options}
        initialKeyId={options.some((o) => o.id === key) ? key : undefined}
      />
    </section>
  );
}
