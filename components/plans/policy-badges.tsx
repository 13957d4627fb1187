import type { Policy } from "@/lib/schemas/policy";
import { policyBadges } from "../keys/policy-summary";
import { Badge } from "../ui/badge";

/** The saved rules as short labels ("10/s", "100,000/month quota"); `none` when nothing is set. */
export function PolicyBadges({ policy, none }: { policy: Policy; none: string }) {
  const badges = policyBadges({ policy, remaining: null, refill: null });
  if (!badges.length) return <span className="text-sm text-slate-500">{none}</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {badges.map((b) => (
        <Badge key={b} tone="slate">
          {b}
        </Badge>
      ))}
    </span>
  );
}
