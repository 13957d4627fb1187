import type { CallError } from "../api-client";

/** An error from the catalog API with every problem it listed (e.g. each mistake in an OpenAPI document). */
export function ProblemList({ error }: { error: CallError | null }) {
  if (!error) return null;
  return (
    <div role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-700">
      <p className="font-medium">{error.message}</p>
      {error.details.length > 0 ? (
        <ul className="mt-2 list-disc space-y-1 pl-5" aria-label="Problems">
          {error.details.map((d, i) => (
            <li key={`${d.path}-${i}`}>
              <code className="text-xs">{d.path}</code>: {d.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
