import type { PlanView } from "../schemas/plans";
import { viewPolicy } from "../policy/patch";

export const planViewSelect = {
  id: true,
  name: true,
  description: true,
  policy: true,
  createdAt: true,
  updatedAt: true,
  _count: { select: { organizations: true } },
} as const;

type PlanRow = {
  id: string;
  name: string;
  description: string;
  policy: unknown;
  createdAt: Date;
  updatedAt: Date;
  _count: { organizations: number };
};

export function toPlanView(p: PlanRow): PlanView {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    policy: viewPolicy(p.policy),
    organizations: p._count.organizations,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}
