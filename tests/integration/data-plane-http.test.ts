// The data-plane endpoints over real HTTP (node:http + lib/access), on a real database.
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createDataPlane, type DataPlane } from "../../lib/access/data-plane";
import { notifyCredentialChange } from "../../lib/access/events";
import { createDataPlaneRoutes } from "../../lib/access/http";
import { generateSecret, hashSecret, PREFIXES } from "../../lib/credentials/format";
import { prisma } from "../../lib/db";
import { createKey } from "../../lib/keys/create-key";
import { revokeKey } from "../../lib/keys/revoke-key";
import { createKeySchema } from "../../lib/schemas/keys";
import { createPrincipal, meta } from "../support/factories";

let dp: DataPlane;
let server: http.Server;
let base: string;

beforeAll(async () => {
  dp = await createDataPlane({ prisma });
  const routes = createDataPlaneRoutes(dp);
  server = http.createServer((req, res) => {
    if (!routes(req, res)) {
      res.writeHead(418);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await dp.close();
});

const verify = (body: string) =>
  fetch(`${base}/v1/verify`, { method: "POST", body, headers: { "content-type": "application/json" } });

describe("POST /v1/verify", () => {
  it("valid → 200 with the identity; revoked at once after DELETE", async () => {
    const p = await createPrincipal();
    const { key, id } = await createKey(
      p,
      createKeySchema.parse({ name: "http", scopes: ["read:profile"], environment: "test" }),
      meta,
    );
    const res = await verify(JSON.stringify({ key, scopes: ["read:profile"] }));
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(await res.json()).toEqual({
      valid: true,
      code: "VALID",
      keyId: id,
      orgId: p.orgId,
      scopes: ["read:profile"],
      environment: "test",
      expiresAt: null,
    });
    await revokeKey(p, id, meta);
    expect(await (await verify(JSON.stringify({ key }))).json()).toEqual({ valid: false, code: "REVOKED" });
  });

  it("answers every invalid credential with 200 {valid:false, code}", async () => {
    expect(await (await verify(JSON.stringify({ key: "nope" }))).json()).toEqual({ valid: false, code: "MALFORMED" });
    const unknown = generateSecret(PREFIXES.apiKeyLive);
    expect(await (await verify(JSON.stringify({ key: unknown }))).json()).toEqual({ valid: false, code: "NOT_FOUND" });
  });

  it("client mistakes get the error shape with 4xx, never 500", async () => {
    const cases: [string, number, string][] = [
      ["{not json", 400, "invalid_json"],
      ["[]", 422, "validation_failed"],
      ['{"key": 5}', 422, "validation_failed"],
      ['{"key": "x", "scopes": "read"}', 422, "validation_failed"],
      ["x".repeat(20_000), 413, "payload_too_large"],
    ];
    for (const [body, status, code] of cases) {
      const res = await verify(body);
      expect(res.status, body.slice(0, 30)).toBe(status);
      const json = (await res.json()) as { error: { code: string; message: string; requestId: string } };
      expect(json.error.code).toBe(code);
      expect(json.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect((await fetch(`${base}/v1/verify`)).status).toBe(405);
  });

  it("reads a body however it arrives: in pieces with a Content-Length, chunked, or empty", async () => {
    const p = await createPrincipal();
    const { key, id } = await createKey(p, createKeySchema.parse({ name: "pieces", scopes: [] }), meta);
    const body = Buffer.from(JSON.stringify({ key }));
    // Sends the body in two writes 30 ms apart (chunked when no Content-Length is given).
    const send = (headers: Record<string, string>, parts: Buffer[]) =>
      new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
        const req = http.request(`${base}/v1/verify`, { method: "POST", headers }, (res) => {
          let text = "";
          res.on("data", (c: Buffer) => (text += c.toString()));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }),
          );
        });
        req.on("error", reject);
        if (parts.length === 0) return void req.end();
        req.write(parts[0]);
        setTimeout(() => req.end(parts[1]), 30);
      });
    const halves = [body.subarray(0, 10), body.subarray(10)];
    const json = { "content-type": "application/json" };
    const withLength = await send({ ...json, "content-length": String(body.length) }, halves);
    const chunked = await send(json, halves);
    expect([withLength.json.keyId, chunked.json.keyId]).toEqual([id, id]);
    const empty = await send({ ...json, "content-length": "0" }, []);
    expect(empty.status).toBe(400);
    expect((empty.json.error as { code: string }).code).toBe("invalid_json");
  });

  it("reads a body that arrived whole: several chunks in one write, up to 16 KiB, and refuses one byte more", async () => {
    const p = await createPrincipal();
    const { key, id } = await createKey(p, createKeySchema.parse({ name: "whole", scopes: [] }), meta);
    // One raw write holding the head and the whole body: the body is buffered before the server reads it.
    // Connection: close, so the server ends the socket after its answer.
    const rawCall = (head: string, body: Buffer) =>
      new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
        const { hostname, port } = new URL(base);
        const socket = net.connect(Number(port), hostname, () => {
          const start = `POST /v1/verify HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n`;
          // write, not end: node:http drops calls in flight when the client half-closes.
          socket.write(Buffer.concat([Buffer.from(`${start}${head}\r\n`), body]));
        });
        const chunks: Buffer[] = [];
        socket.on("data", (c: Buffer) => chunks.push(c));
        socket.on("error", reject);
        socket.on("close", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const json = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
          resolve({ status: Number(text.split(" ")[1]), json });
        });
      });
    // Chunked, three chunks, the second boundary inside the two bytes of "é": decoded only once whole.
    const text = Buffer.from(JSON.stringify({ key, note: "é" }));
    const cut = text.indexOf(Buffer.from("é")) + 1;
    const parts = [text.subarray(0, 5), text.subarray(5, cut), text.subarray(cut)];
    const chunked = Buffer.concat([
      ...parts.flatMap((c) => [Buffer.from(`${c.length.toString(16)}\r\n`), c, Buffer.from("\r\n")]),
      Buffer.from("0\r\n\r\n"),
    ]);
    const viaChunks = await rawCall("Transfer-Encoding: chunked\r\n", chunked);
    expect(viaChunks.status).toBe(200);
    expect(viaChunks.json.keyId).toBe(id);
    // Exactly 16 KiB (the padding is JSON whitespace), then one byte more.
    const plain = JSON.stringify({ key });
    const full = Buffer.from(plain.slice(0, -1) + " ".repeat(16 * 1024 - plain.length) + "}");
    expect(full.length).toBe(16 * 1024);
    const atLimit = await rawCall(`Content-Length: ${full.length}\r\n`, full);
    expect([atLimit.status, atLimit.json.keyId]).toEqual([200, id]);
    const over = Buffer.concat([full, Buffer.from(" ")]);
    const tooBig = await rawCall(`Content-Length: ${over.length}\r\n`, over);
    expect(tooBig.status).toBe(413);
    expect((tooBig.json.error as { code: string }).code).toBe("payload_too_large");
  });
});

describe("/authz forward-auth", () => {
  it("200 with identity headers, 401 invalid_token, 403 insufficient_scope", async () => {
    const p = await createPrincipal();
    const { key, id } = await createKey(p, createKeySchema.parse({ name: "authz", scopes: ["read:profile"] }), meta);
    const ok = await fetch(`${base}/authz`, {
      headers: { authorization: `Bearer ${key}`, "x-required-scopes": "read:profile" },
    });
    expect(ok.status).toBe(200);
    expect(ok.headers.get("x-gatehouse-key-id")).toBe(id);
    expect(ok.headers.get("x-gatehouse-org-id")).toBe(p.orgId);
    expect(ok.headers.get("x-gatehouse-scopes")).toBe("read:profile");

    const viaHeader = await fetch(`${base}/authz`, { method: "POST", headers: { "x-api-key": key } });
    expect(viaHeader.status).toBe(200);

    const missing = await fetch(`${base}/authz`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get("www-authenticate")).toContain('error="invalid_token"');

    const forbidden = await fetch(`${base}/authz`, {
      headers: { authorization: `Bearer ${key}`, "x-required-scopes": "read:profile delete:user" },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get("www-authenticate")).toContain('error="insufficient_scope"');
    expect(forbidden.headers.get("x-gatehouse-decision")).toBe("INSUFFICIENT_SCOPE");
  });

  it("a forward-auth call with a body (allowed or denied) is answered, and its keep-alive connection serves the next call", async () => {
    const p = await createPrincipal();
    const { key } = await createKey(p, createKeySchema.parse({ name: "body", scopes: ["read:profile"] }), meta);
    // One socket for every call: each next call must find the connection clean after an unread body.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const call = (headers: Record<string, string>, body: Buffer | null) =>
      new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
        const req = http.request(`${base}/authz`, { method: body ? "POST" : "GET", agent, headers }, (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
        });
        req.on("error", reject);
        req.end(body ?? undefined);
      });
    const big = Buffer.alloc(256 * 1024, "x");
    const auth = { authorization: `Bearer ${key}` };
    const seen = [
      await call(auth, big),
      await call({}, big), // denied: 401, body unread
      await call({ ...auth, "x-required-scopes": "delete:user" }, big), // 403
      await call(auth, null),
    ];
    agent.destroy();
    expect(seen.map((s) => s.status)).toEqual([200, 401, 403, 200]);
    expect(seen.slice(1).every((s) => s.reused)).toBe(true);
  });

  it("/healthz and /readyz", async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready" });
  });
});

describe.runIf(inject("databaseMode") === "server")("revocation from another process (LISTEN/NOTIFY)", () => {
  it("a NOTIFY committed by someone else evicts this process's cache within 1 s", async () => {
    const listener = await createDataPlane({ prisma, listenUrl: inject("databaseUrl") });
    try {
      const p = await createPrincipal();
      const { key, id } = await createKey(p, createKeySchema.parse({ name: "remote" }), meta);
      const { decide } = await import("../../lib/access/decide");
      expect((await decide(listener.store, { credential: key })).code).toBe("VALID");
      // Simulate another process: change the row and NOTIFY, without this process's in-memory event.
      const started = Date.now();
      await prisma.$transaction(async (tx) => {
        await tx.apiKey.update({ where: { id }, data: { revokedAt: new Date() } });
        await notifyCredentialChange(tx, { kind: "api_key", hash: hashSecret(key) });
      });
      let code = "VALID";
      while (Date.now() - started < 1000 && code === "VALID") {
        code = (await decide(listener.store, { credential: key })).code;
        if (code === "VALID") await new Promise((r) => setTimeout(r, 10));
      }
      expect(code).toBe("REVOKED");
      console.log(`NOTIFY eviction took ${Date.now() - started} ms`);
    } finally {
      await listener.close();
    }
  });
});
