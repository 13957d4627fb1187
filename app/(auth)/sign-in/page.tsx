import Link from "next/link";
import { redirect } from "next/navigation";
import { AuthCard } from "@/components/auth/auth-card";
import { SignInForm } from "@/components/auth/sign-in-form";
import { getSessionUserId } from "@/lib/auth/session";

export const metadata = { title: "Sign in" };

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ error?: string; callbackUrl?: string }>;
}) {
  const { error, callbackUrl } = await searchParams;
  if (!error && (await getSessionUserId())) redirect("/portal");
  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          New here?{" "}
          <Link className="text-indigo-700 underline" href="/sign-up">
            Create an account
          </Link>
        </>
      }
    >
      <SignInForm
        initialError={error}
        callbackUrl={callbackUrl}
        github={Boolean(process.env.GITHUB_ID && process.env.GITHUB_SECRET)}
      />
    </AuthCard>
  );
}
