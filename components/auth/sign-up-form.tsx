"use client";

import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { Button } from "../ui/button";
import { ErrorText, Field, Input } from "../ui/field";
import { signInWithPassword } from "./sign-in-form";

type ApiError = { error?: { message?: string; details?: { path: string; message: string }[] } };

export function SignUpForm() {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [pending, setPending] = useState(false);

  async function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const email = String(form.get("email"));
    const password = String(form.get("password"));
    const name = String(form.get("name") ?? "").trim();
    setPending(true);
    setError(null);
    try {
      const res = await fetch("/api/auth/sign-up", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password, ...(name ? { name } : {}) }),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as ApiError;
        setError(body.error?.details?.[0]?.message ?? body.error?.message ?? "Sign-up failed.");
        return;
      }
      const failure = await signInWithPassword(email, password);
      if (failure) {
        setError("We could not sign you in with these details. If you already have an account, sign in instead.");
        return;
      }
      router.push("/portal");
      router.refresh();
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={onSubmit} className="space-y-4">
      <ErrorText>{error}</ErrorText>
      <Field label="Name">
        <Input name="name" autoComplete="name" />
      </Field>
      <Field label="Email">
        <Input name="email" type="email" autoComplete="email" required />
      </Field>
      <Field label="Password" hint="At least 12 characters.">
        <Input name="password" type="password" autoComplete="new-password" minLength={12} required />
      </Field>
      <Button type="submit" className="w-full" disabled={pending}>
        {pending ? "Creating account…" : "Create account"}
      </Button>
    </form>
  );
}
