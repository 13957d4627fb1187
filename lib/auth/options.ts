// next-auth v4 configuration: email + password (argon2id, rate-limited) and
// GitHub when GITHUB_ID/GITHUB_SECRET are set. JWT sessions (required by the
// credentials provider); every request re-checks the user in the database, so
// suspending a user ends their sessions at once.
import type { NextAuthOptions, Profile } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import GitHubProvider, { type GithubEmail } from "next-auth/providers/github";
import { recordAudit } from "../audit/record";
import { prisma } from "../db";
import { env } from "../env";
import { createUserWithOrg } from "../users/create-user-with-org";
import { signInSchema } from "../schemas/auth";
import { signInWithPassword } from "../users/sign-in";
import { metaFromHeaders } from "./request-meta";

function providers(): NextAuthOptions["providers"] {
  const list: NextAuthOptions["providers"] = [
    CredentialsProvider({
      name: "Email and password",
      credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
      async authorize(credentials, req) {
        const parsed = signInSchema.safeParse(credentials ?? {});
        if (!parsed.success) return null;
        const result = await signInWithPassword(parsed.data.email, parsed.data.password, metaFromHeaders(req?.headers));
        if (result.ok) return { id: result.user.id, email: result.user.email, name: result.user.name };
        if (result.reason === "rate_limited") throw new Error(`rate_limited:${result.retryAfter ?? 60}`);
        return null;
      },
    }),
  ];
  if (process.env.GITHUB_ID && process.env.GITHUB_SECRET) {
    list.push(gitHubProvider(process.env.GITHUB_ID, process.env.GITHUB_SECRET));
  }
  return list;
}

/**
 * next-auth's GitHub provider with every endpoint on the configured hosts:
 * GITHUB_URL (authorize page, token exchange) and GITHUB_API_URL (/user,
 * /user/emails) — GitHub Enterprise Server, or a mock in the e2e tests. The
 * stock provider hard-codes api.github.com for /user/emails, so the userinfo
 * request is ours: /user, then (no public email) the primary verified address.
 */
function gitHubProvider(clientId: string, clientSecret: string) {
  const web = env().GITHUB_URL.replace(/\/+$/, "");
  const api = env().GITHUB_API_URL.replace(/\/+$/, "");
  return GitHubProvider({
    clientId,
    clientSecret,
    issuer: `${web}/login/oauth`,
    authorization: { url: `${web}/login/oauth/authorize`, params: { scope: "read:user user:email" } },
    token: `${web}/login/oauth/access_token`,
    userinfo: {
      url: `${api}/user`,
      async request({ tokens }): Promise<Profile> {
        const headers = { authorization: `Bearer ${tokens.access_token}`, accept: "application/vnd.github+json" };
        const res = await fetch(`${api}/user`, { headers });
        if (!res.ok) throw new Error(`GitHub ${api}/user answered ${res.status}`);
        const profile = (await res.json()) as Profile; // GitHub's JSON: id, login, name, email (null if private), …
        if (!profile.email) {
          const emails = await fetch(`${api}/user/emails`, { headers });
          if (emails.ok) {
            const list = (await emails.json()) as GithubEmail[];
            const verified = list.filter((e) => e.verified);
            profile.email = (verified.find((e) => e.primary) ?? verified[0])?.email;
          }
        }
        return profile;
      },
    },
  });
}

/** GitHub sign-in: link by GitHub id; create an account for a new email; never silently link to an existing password account. */
async function userIdForGitHub(githubId: string, email: string | null | undefined, name: string | null | undefined) {
  const linked = await prisma.user.findUnique({ where: { githubId } });
  if (linked) return linked.status === "active" ? linked.id : null;
  if (!email) return null;
  const lower = email.toLowerCase();
  if (await prisma.user.findUnique({ where: { email: lower } })) return null;
  return prisma.$transaction(async (tx) => {
    const { user, org } = await createUserWithOrg(tx, { email: lower, name, githubId });
    await recordAudit(tx, {
      actor: { type: "user", id: user.id, label: lower },
      action: "user.signup",
      target: { type: "user", id: user.id },
      orgId: org.id,
      context: { method: "github" },
    });
    return user.id;
  });
}

export function authOptions(): NextAuthOptions {
  return {
    secret: process.env.NEXTAUTH_SECRET,
    session: { strategy: "jwt", maxAge: 7 * 24 * 3600 },
    pages: { signIn: "/sign-in", error: "/sign-in" },
    providers: providers(),
    callbacks: {
      async signIn({ account, profile, user }) {
        if (account?.provider !== "github") return true;
        const id = await userIdForGitHub(String(account.providerAccountId), profile?.email ?? user.email, user.name);
        if (!id) return "/sign-in?error=OAuthAccountNotLinked";
        user.id = id;
        return true;
      },
      async jwt({ token, user }) {
        if (user?.id) token.uid = user.id;
        return token;
      },
      async session({ session, token }) {
        if (session.user && typeof token.uid === "string") (session.user as { id?: string }).id = token.uid;
        return session;
      },
    },
  };
}
