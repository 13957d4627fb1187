"use client";

import { signIn } from "next-auth/react";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "../ui/button";
import { ErrorText, Field, Input } from "../ui/field";

const MESSAGES: Record<string, string> = {
  CredentialsSignin: "Invalid email or password.",
  OAuthAccountNotLinked: "That GitHub account's email belongs to an existing account. Sign in with your password.",
  SessionEnded: "Your session has ended. Sign in again.",
};

export function messageFor(error: string | null | undefined): string | null {
  if (!error) return null;
  if (error.startsWith("rate_limited")) {
    const seconds = Number(error.split(":")[1] ?? 60);
    return `Too many attempts. Try again in ${Math.ceil(seconds / 60)} minute(s).`;
  }
  return MESSAGES[error] ?? "Sign-in failed. Try again.";
}

export async function signInWithPassword(email: string, password: string): Promise<string | null> {
  const res = await signIn("credentials", { email, password, redirect: false });
  // next-auth v4 with redirect:false: success is `error` being empty, not `ok`.
  return res?.error ? (messageFor(res.error) ?? "Sign-in failed.") : null;
}

/** Only same-site paths: an open redirect after sign-in would be a phishing tool. */
export function safeCallback(url: string | undefined): string {
  return url && url.startsWith("/") && !url.startsWith("//") && !url.startsWith("/\\") ? url : "/portal";
}

export function SignInForm({
  initialError,
  github,
  callbackUrl,
}: {
  initialError?: string;
  github: boolean;
  callbackUrl?: string;
}) {
  const next = safeCallback(callbackUrl);
  const router = useRouter();
  const [error, setError] = useState<string | null>(messageFor(initialError));
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setPending(true);
    setError(null);
    const failure = await signInWithPassword(String(form.get("email")), String(form.get("password")));
    setPending(false);
    if (failure) return setError(failure);
    router.push(next);
    router.refresh();
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <ErrorText>{error}</ErrorText>
      <Field label="Email">
        <Input name="email" type="email" autoComplete="email" required />
      </Field>
      <Field label="Password">
        <Input name="password" type="password" autoComplete="current-password" required />
      </Field>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Signing in…" : "Sign in"}
      </Button>
      {github ? (
        <Button
          type="button"
          variant="secondary"
          className="w-full"
          onClick={() => signIn("github", { callbackUrl: next })}
        >
          Sign in with GitHub
        </Button>
      ) : null}
    </form>
  );
}
