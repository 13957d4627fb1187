// `npm run db:seed`: demo data — a developer with a key — built from the same
// functions the tests use. Run it while Gatehouse is stopped when using the
// embedded database (it opens the same data directory).
import { principalForUser } from "../lib/auth/resolve-principal";
import { boot } from "../lib/boot";
import { createKey } from "../lib/keys/create-key";
import { createKeySchema } from "../lib/schemas/keys";
import { ensureUser } from "../lib/users/sign-up";

const booted = await boot({ log: (m) => console.log(m) });
try {
  const email = process.env.SEED_EMAIL ?? "demo@gatehouse.local";
  const password = process.env.SEED_PASSWORD ?? "demo-password-123";
  const { userId, created } = await ensureUser({ email, password, name: "Demo Developer" });
  const principal = await principalForUser(userId);
  if (!principal) throw new Error("seed: demo user has no organization");
  if (created) {
    const key = await createKey(principal, createKeySchema.parse({ name: "demo", scopes: ["read:profile"] }), {
      userAgent: "seed",
    });
    console.log(`demo user ${email} / ${password}\ndemo key (shown once): ${key.key}`);
  } else {
    console.log(`demo user ${email} already exists`);
  }
} finally {
  await booted.shutdown();
}
