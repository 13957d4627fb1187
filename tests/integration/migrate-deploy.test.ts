// lib/db/migrate.ts: `prisma migrate deploy` in a child process whose output
// goes to a temporary file (not to pipes read by this process: see the module
// comment for why). What callers rely on: success resolves, a failure rejects
// with the CLI's own output in the message, and no temporary file is left.
// The success path runs for every test database (tests/support/test-db.ts);
// this file covers the failure path and the cleanup.
import { readdirSync } from "node:fs";
import os from "node:os";
import { describe, expect, it } from "vitest";
import { freePort } from "../../lib/free-port";
import { migrateDeploy } from "../../lib/db/migrate";

const leftovers = () => readdirSync(os.tmpdir()).filter((n) => n.startsWith("gatehouse-migrate-"));

describe("migrateDeploy", () => {
  it("rejects with the CLI's output when the database cannot be reached, and leaves no temporary file", async () => {
    const before = new Set(leftovers());
    // A free port: nothing listens there.
    const url = `postgresql://postgres@127.0.0.1:${await freePort()}/nowhere`;
    const err = await migrateDeploy(url).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toMatch(/^prisma migrate deploy failed \(exit [1-9]\d*\):\n/);
    // Prisma's own explanation (P1001 "Can't reach database server") made it into the message.
    expect(err!.message).toMatch(/P1001|Can't reach database server/);
    expect(leftovers().filter((n) => !before.has(n))).toEqual([]);
  }, 60_000);
});
