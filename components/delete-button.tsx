"use client";

import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import { callApi } from "./api-client";
import { Button } from "./ui/button";
import { ConfirmDialog } from "./ui/confirm-dialog";

/**
 * A danger button that asks first, then DELETEs `path` and goes to `then`; a
 * refusal (e.g. "still in use") is shown in the dialog, which stays open.
 */
export function DeleteButton({
  path,
  then,
  label,
  title,
  children,
}: {
  path: string;
  then: string;
  /** The button's and the confirmation's label ("Delete plan"). */
  label: string;
  title: string;
  /** What deleting does, shown in the dialog. */
  children: ReactNode;
}) {
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setPending(true);
    setError(null);
    const res = await callApi<unknown>("DELETE", path);
    setPending(false);
    if (!res.ok) {
      setError(res.error.message);
      return;
    }
    setOpen(false);
    router.push(then);
    router.refresh();
  }

  return (
    <>
      <Button variant="danger" onClick={() => setOpen(true)}>
        {label}
      </Button>
      <ConfirmDialog
        open={open}
        title={title}
        confirmLabel={label}
        pendingLabel="Deleting…"
        pending={pending}
        error={error}
        onConfirm={confirm}
        onCancel={() => setOpen(false)}
      >
        {children}
      </ConfirmDialog>
    </>
  );
}
