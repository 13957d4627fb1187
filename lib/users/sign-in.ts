// Password sign-in with brute-force limits per account and per IP. Unknown
// emails, wrong passwords and suspended accounts all get the same answer.
import { recordAudit, type RequestMeta } from "../audit/record";
import { prisma } from "../db";
import { blockedFor, getLimiter, penalize } from "../ratelimit";
import { verifyPassword } from "./password";

export type SignInResult =
  | { ok: true; user: { id: string; email: string; name: string | null } }
  | { ok: false; reason: "invalid" | "rate_limited"; retryAfter?: number };

const ACCOUNT_LIMIT = { name: "signin-account", points: 5, durationSeconds: 15 * 60 };
const IP_LIMIT = { name: "signin-ip", points: 30, durationSeconds: 15 * 60 };

export async function signInWithPassword(emailRaw: string, password: string, meta: RequestMeta): Promise<SignInResult> {
  const email = emailRaw.trim().toLowerCase();
  const [byAccount, byIp] = await Promise.all([getLimiter(ACCOUNT_LIMIT), getLimiter(IP_LIMIT)]);
  const ipKey = meta.ip ?? "unknown";
  const wait = Math.max(await blockedFor(byAccount, email), await blockedFor(byIp, ipKey));
  if (wait > 0) return { ok: false, reason: "rate_limited", retryAfter: wait };

  const user = await prisma.user.findUnique({ where: { email } });
  const passwordOk = await verifyPassword(user?.passwordHash, password);
  if (!user || !passwordOk || user.status !== "active") {
    await Promise.all([penalize(byAccount, email), penalize(byIp, ipKey)]);
    await prisma.$transaction((tx) =>
      recordAudit(tx, {
        actor: user ? { type: "user", id: user.id, label: email } : { type: "anonymous", label: email },
        action: "user.signin_failed",
        target: user ? { type: "user", id: user.id } : undefined,
        request: meta,
        context: { reason: !user ? "unknown_email" : !passwordOk ? "wrong_password" : "suspended" },
      }),
    );
    return { ok: false, reason: "invalid" };
  }
  await byAccount.delete(email);
  await prisma.$transaction((tx) =>
    recordAudit(tx, {
      actor: { type: "user", id: user.id, label: email },
      action: "user.signin",
      target: { type: "user", id: user.id },
      request: meta,
      context: { method: "password" },
    }),
  );
  return { ok: true, user: { id: user.id, email: user.email, name: user.name } };
}
