import { test, request as pr } from "@playwright/test";
import { baseURL } from "../../playwright.config";
import { newDeveloper, PASSWORD, managementToken } from "../fixtures";
test("probe", async () => {
  const dev = await newDeveloper();
  const ctx = await pr.newContext({ baseURL, extraHTTPHeaders: { origin: baseURL } });
  for (const pw of ["wrong-password-1", PASSWORD]) {
    const { csrfToken } = await (await ctx.get("/api/auth/csrf")).json();
    const res = await ctx.post("/api/auth/callback/credentials", { form: { csrfToken, email: dev.email, password: pw, json: "true" }, maxRedirects: 0 });
    console.log(pw, res.status(), JSON.stringify(res.headers()), await res.text());
  }
  const { csrfToken } = await (await ctx.get("/api/auth/csrf")).json();
  const res = await ctx.post("/api/auth/callback/credentials", { form: { csrfToken, email: "nobody@example.test", password: "x", json: "true" }, maxRedirects: 0 });
  console.log("unknown", res.status(), await res.text());
  const t = await managementToken(dev);
  const r2 = await ctx.post("/api/v1/keys", { headers: { authorization: `Bearer ${t}` }, data: { name: "" } });
  console.log(r2.status(), await r2.text());
  const r3 = await ctx.post("/api/v1/keys", { headers: { authorization: `Bearer ${t}` }, data: { name: "x", bogus: 1 } });
  console.log(r3.status(), await r3.text());
  const r4 = await ctx.get("/api/v1/nope");
  console.log(r4.status(), r4.headers()["content-type"], await r4.text());
  const r5 = await ctx.get("/v1/verify");
  console.log(r5.status(), JSON.stringify(r5.headers()), await r5.text());
  const r6 = await ctx.get("/authz");
  console.log(r6.status(), JSON.stringify(r6.headers()), await r6.text());
  const r7 = await ctx.get("/api/v1/openapi.json");
  console.log(r7.status(), (await r7.text()).slice(0, 3000));
});
