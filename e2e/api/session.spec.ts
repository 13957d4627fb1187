import { expect, test } from "@playwright/test";
import { managementToken, newDeveloper } from "../fixtures";

test("sign-up, sign-in and a management token through the HTTP API", async () => {
  const dev = await newDeveloper();
  const token = await managementToken(dev);
  expect(token).toMatch(/^gmt_[0-9A-Za-z]{38}$/);
  const session = await (await dev.request.get("/api/auth/session")).json();
  expect(session.user.email).toBe(dev.email);
});
