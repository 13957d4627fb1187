"use client";

import { Button } from "./button";

/** The Cancel / submit pair at the foot of a dialog form. */
export function FormActions({
  onCancel,
  pending,
  label,
  pendingLabel,
  disabled = false,
}: {
  onCancel: () => void;
  pending: boolean;
  label: string;
  pendingLabel: string;
  /** Submit disabled for another reason than a pending request. */
  disabled?: boolean;
}) {
  return (
    <div className="flex justify-end gap-2">
      <Button type="button" variant="secondary" onClick={onCancel}>
        Cancel
      </Button>
      <Button type="submit" disabled={pending || disabled}>
        {pending ? pendingLabel : label}
      </Button>
    </div>
  );
}
