import { randomBase62 } from "../credentials/format";

/** `Alice.Smith@example.com` → `alice-smith-k3x9`: readable, and the suffix keeps it from ever matching a reserved route. */
export function personalOrgSlug(email: string): string {
  const local = email.split("@")[0] ?? "org";
  const base =
    local
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 24) || "org";
  return `${base}-${randomBase62(4).toLowerCase()}`;
}

/** "Ada's workspace", or "ada's workspace" from the email when no name was given. */
export function personalOrgName(name: string | null | undefined, email: string): string {
  return `${name?.trim() || email.split("@")[0]}'s workspace`;
}
