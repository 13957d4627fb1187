import { describe, expect, it } from "vitest";
import { prisma } from "../../lib/db";
import { signInWithPassword } from "../../lib/users/sign-in";
import { signUpUser } from "../../lib/users/sign-up";
import { uniqueEmail } from "../support/factories";

const PASSWORD = "a long enough password";

describe("accounts", () => {
  it("sign-up creates a user, a personal org they own, and a user.signup event in one go", async () => {
    const email = uniqueEmail();
    expect(
      await signUpUser({ email, password: PASSWORD, name: "Ada" }, { ip: "198.51.100.1", userAgent: "t" }),
    ).toEqual({ created: true });
    const user = await prisma.user.findUniqueOrThrow({
      where: { email },
      include: { memberships: { include: { org: true } } },
    });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.memberships).toHaveLength(1);
    expect(user.memberships[0]).toMatchObject({ role: "owner", org: { kind: "personal" } });
    const event = await prisma.auditEvent.findFirstOrThrow({ where: { action: "user.signup", actorId: user.id } });
    expect(event).toMatchObject({ ip: "198.51.100.1", userAgent: "t", targetId: user.id });
  });

  it("signing up with a taken email changes nothing and answers like a new sign-up would", async () => {
    const email = uniqueEmail();
    await signUpUser({ email, password: PASSWORD }, {});
    const before = await prisma.user.findUniqueOrThrow({ where: { email } });
    expect(await signUpUser({ email: email.toUpperCase(), password: "another long password" }, {})).toEqual({
      created: false,
    });
    const after = await prisma.user.findUniqueOrThrow({ where: { email } });
    expect(after.passwordHash).toBe(before.passwordHash);
  });

  it("sign-in: right password works; wrong password and unknown email fail the same way; both audited", async () => {
    const email = uniqueEmail();
    await signUpUser({ email, password: PASSWORD }, {});
    const m = { ip: `10.1.${Math.floor(Math.random() * 250)}.1`, userAgent: "vitest" };
    expect(await signInWithPassword(email, PASSWORD, m)).toMatchObject({ ok: true, user: { email } });
    const wrong = await signInWithPassword(email, "not the password", m);
    const unknown = await signInWithPassword(uniqueEmail("ghost"), "not the password", m);
    expect(wrong).toEqual({ ok: false, reason: "invalid" });
    expect(unknown).toEqual(wrong);
    const actions = await prisma.auditEvent.findMany({
      where: { ip: m.ip },
      orderBy: { id: "asc" },
      select: { action: true },
    });
    expect(actions.map((a) => a.action)).toEqual(["user.signin", "user.signin_failed", "user.signin_failed"]);
  });

  it("rate-limits failures per account without locking out others", async () => {
    const victim = uniqueEmail("victim");
    const other = uniqueEmail("other");
    await signUpUser({ email: victim, password: PASSWORD }, {});
    await signUpUser({ email: other, password: PASSWORD }, {});
    for (let i = 0; i < 5; i++) {
      const ip = `192.0.2.${i + 10}`; // different IPs: the account limit must still trip
      expect((await signInWithPassword(victim, `wrong-${i}`, { ip })).ok).toBe(false);
    }
    const blocked = await signInWithPassword(victim, PASSWORD, { ip: "192.0.2.99" });
    expect(blocked).toMatchObject({ ok: false, reason: "rate_limited" });
    expect((blocked as { retryAfter: number }).retryAfter).toBeGreaterThan(0);
    expect((await signInWithPassword(other, PASSWORD, { ip: "192.0.2.99" })).ok).toBe(true);
  });

  it("rate-limits failures per IP across accounts", async () => {
    const ip = `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    for (let i = 0; i < 30; i++) await signInWithPassword(uniqueEmail("spray"), "guess", { ip });
    const email = uniqueEmail();
    await signUpUser({ email, password: PASSWORD }, {});
    expect(await signInWithPassword(email, PASSWORD, { ip })).toMatchObject({ ok: false, reason: "rate_limited" });
  });

  it("a suspended user cannot sign in", async () => {
    const email = uniqueEmail();
    await signUpUser({ email, password: PASSWORD }, {});
    await prisma.user.update({ where: { email }, data: { status: "suspended" } });
    expect(await signInWithPassword(email, PASSWORD, { ip: "203.0.113.50" })).toEqual({ ok: false, reason: "invalid" });
  });
});
