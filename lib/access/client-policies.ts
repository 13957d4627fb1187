// Compiled policies of OAuth clients (client + organization + plan), for
// JWT-authenticated calls: cached per client id, dropped on change events.
import { LRUCache } from "lru-cache";
import type { PrismaClient } from "../generated/prisma/client";
import { compilePolicy, EMPTY_POLICY, type CompiledPolicy } from "../policy/compile";
import { readPolicy } from "../schemas/policy";

export class ClientPolicies {
  private readonly cache = new LRUCache<string, CompiledPolicy>({ max: 10_000, ttl: 5 * 60_000 });
  private readonly inflight = new Map<string, Promise<CompiledPolicy>>();
  private generation = 0;

  constructor(private readonly prisma: PrismaClient) {}

  peek(clientId: string): CompiledPolicy | undefined {
    return this.cache.get(clientId);
  }

  get(clientId: string): Promise<CompiledPolicy> {
    const running = this.inflight.get(clientId);
    if (running) return running;
    const generation = this.generation;
    const p = this.prisma.oAuthClient
      .findUnique({
        where: { clientId },
        select: { policy: true, org: { select: { policy: true, plan: { select: { policy: true } } } } },
      })
      .then((row) => {
        const policy = row
          ? compilePolicy({
              credential: readPolicy(row.policy),
              credentialLevel: "client",
              org: readPolicy(row.org.policy),
              plan: row.org.plan ? readPolicy(row.org.plan.policy) : null,
            })
          : EMPTY_POLICY;
        if (generation === this.generation) this.cache.set(clientId, policy);
        return policy;
      })
      .finally(() => this.inflight.delete(clientId));
    this.inflight.set(clientId, p);
    return p;
  }

  evict(clientId: string): void {
    this.generation++;
    this.cache.delete(clientId);
    this.inflight.delete(clientId);
  }

  clear(): void {
    this.generation++;
    this.cache.clear();
    this.inflight.clear();
  }
}
