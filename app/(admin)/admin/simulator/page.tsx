import { SimulatorForm } from "@/components/simulator/simulator-form";
import { requireAdmin } from "@/lib/auth/session";

export const metadata = { title: "Access simulator (admin)" };

export default async function AdminSimulatorPage({ searchParams }: { searchParams: Promise<{ key?: string }> }) {
  // Every admin page checks itself: layouts render in parallel with pages.
  await requireAdmin();
  const { key } = await searchParams;
  return (
    <section>
      <h1 className="mb-4 text-2xl font-semibold">Access simulator</h1>
      <p className="mb-6 text-sm text-slate-600">
        Simulate any organization&apos;s key by its id, or paste a credential. Nothing is counted.
      </p>
      <SimulatorForm orgSlug={null} initialKeyId={key} />
    </section>
  );
}
