import { describe, expect, it } from "vitest";
import {
  createOAuthClientSchema,
  oauthClientSchema,
  createdOAuthClientSchema,
  redirectUriProblem,
  rotateSecretSchema,
} from "../../lib/schemas/oauth-clients";

const web = {
  name: "dashboard",
  grantTypes: ["authorization_code"],
  redirectUris: ["https://app.example.com/callback"],
  scopes: ["read:profile"],
};

function issues(input: unknown) {
  const r = createOAuthClientSchema.safeParse(input);
  expect(r.success).toBe(false);
  return r.success ? [] : r.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
}

describe("createOAuthClientSchema", () => {
  it("accepts a confidential web client and fills defaults", () => {
    expect(createOAuthClientSchema.parse(web)).toEqual({
      ...web,
      public: false,
      tokenEndpointAuthMethod: "client_secret_basic",
    });
  });

  it("accepts a machine client without redirect URIs", () => {
    const v = createOAuthClientSchema.parse({ name: "cron", grantTypes: ["client_credentials"], scopes: [] });
    expect(v.redirectUris).toBeUndefined();
    expect(v.grantTypes).toEqual(["client_credentials"]);
  });

  it("dedupes grant types, scopes and identical redirect URIs", () => {
    const v = createOAuthClientSchema.parse({
      ...web,
      grantTypes: ["authorization_code", "refresh_token", "authorization_code"],
      scopes: ["read:profile", "read:profile"],
      redirectUris: ["https://a.example/cb", "https://a.example/cb"],
    });
    expect(v.grantTypes).toEqual(["authorization_code", "refresh_token"]);
    expect(v.scopes).toEqual(["read:profile"]);
    expect(v.redirectUris).toEqual(["https://a.example/cb"]);
  });

  it("trims the name and requires one of 1–100 characters", () => {
    expect(createOAuthClientSchema.parse({ ...web, name: "  spaced  " }).name).toBe("spaced");
    expect(issues({ ...web, name: "   " })[0]).toEqual({ path: "name", message: "Give the client a name." });
    expect(issues({ ...web, name: "x".repeat(101) })[0].path).toBe("name");
  });

  it("requires at least one known grant type", () => {
    expect(issues({ ...web, grantTypes: [] })[0]).toEqual({
      path: "grantTypes",
      message: "Choose at least one grant type.",
    });
    expect(issues({ ...web, grantTypes: ["password"] })[0].path).toBe("grantTypes.0");
    expect(issues({ ...web, grantTypes: ["implicit"] })[0].path).toBe("grantTypes.0");
    expect(issues({ name: "x", scopes: [] })[0].path).toBe("grantTypes");
  });

  it("refuses unknown fields and malformed scope names", () => {
    expect(issues({ ...web, admin: true })[0].message).toContain("admin");
    expect(issues({ ...web, scopes: ["has space"] })[0].path).toBe("scopes.0");
    expect(issues({ ...web, scopes: undefined })[0].path).toBe("scopes");
  });

  describe("cross-field rules", () => {
    it("authorization_code needs at least one redirect URI", () => {
      for (const redirectUris of [undefined, []]) {
        expect(issues({ ...web, redirectUris })).toEqual([
          { path: "redirectUris", message: "authorization_code needs at least one redirect URI." },
        ]);
      }
    });

    it("redirect URIs without authorization_code are refused", () => {
      expect(issues({ ...web, grantTypes: ["client_credentials"] })).toEqual([
        {
          path: "redirectUris",
          message: "Redirect URIs are only used with authorization_code: add that grant type or remove them.",
        },
      ]);
      // An empty list is the same as none.
      expect(
        createOAuthClientSchema.safeParse({ ...web, grantTypes: ["client_credentials"], redirectUris: [] }).success,
      ).toBe(true);
    });

    it("refresh_token needs authorization_code", () => {
      expect(issues({ name: "x", grantTypes: ["refresh_token", "client_credentials"], scopes: [] })).toEqual([
        {
          path: "grantTypes",
          message: "refresh_token needs authorization_code (refresh tokens are issued by the code flow).",
        },
      ]);
      expect(
        createOAuthClientSchema.safeParse({ ...web, grantTypes: ["authorization_code", "refresh_token"] }).success,
      ).toBe(true);
    });

    it("a public client cannot use client_credentials", () => {
      expect(issues({ ...web, public: true, grantTypes: ["authorization_code", "client_credentials"] })).toEqual([
        {
          path: "grantTypes",
          message: "A public client cannot use client_credentials: it has no secret to authenticate with.",
        },
      ]);
      expect(
        createOAuthClientSchema.safeParse({
          ...web,
          public: false,
          grantTypes: ["authorization_code", "client_credentials"],
        }).success,
      ).toBe(true);
    });

    it("a public code-flow client is fine; its auth method is still parsed but ignored later", () => {
      const v = createOAuthClientSchema.parse({ ...web, public: true, tokenEndpointAuthMethod: "client_secret_post" });
      expect(v).toMatchObject({ public: true, tokenEndpointAuthMethod: "client_secret_post" });
    });

    it("reports every broken rule at once", () => {
      const all = issues({
        name: "x",
        public: true,
        grantTypes: ["client_credentials", "refresh_token"],
        redirectUris: ["https://a.example/cb"],
        scopes: [],
      });
      expect(all.map((i) => i.path).sort()).toEqual(["grantTypes", "grantTypes", "redirectUris"]);
    });
  });

  it("accepts only the two secret-based auth methods as input", () => {
    expect(
      createOAuthClientSchema.parse({ ...web, tokenEndpointAuthMethod: "client_secret_post" }).tokenEndpointAuthMethod,
    ).toBe("client_secret_post");
    expect(issues({ ...web, tokenEndpointAuthMethod: "none" })[0].path).toBe("tokenEndpointAuthMethod");
    expect(issues({ ...web, tokenEndpointAuthMethod: "private_key_jwt" })[0].path).toBe("tokenEndpointAuthMethod");
  });
});

describe("redirect URIs", () => {
  const parse = (redirectUris: string[]) => createOAuthClientSchema.safeParse({ ...web, redirectUris });

  it.each([
    "https://app.example.com/callback",
    "https://app.example.com:8443/callback?tenant=a",
    "http://localhost/callback",
    "http://localhost:3000/callback",
    "http://127.0.0.1:8080/cb",
    "http://[::1]:8080/cb",
    "https://localhost/cb",
  ])("accepts %s", (uri) => {
    expect(redirectUriProblem(uri)).toBeNull();
    expect(parse([uri]).success).toBe(true);
  });

  it("stores trailing-slash, case and port variants exactly: they are different strings", () => {
    const variants = [
      "https://app.example.com/callback",
      "https://app.example.com/callback/",
      "https://APP.example.com/callback",
      "https://app.example.com/Callback",
      "https://app.example.com:443/callback",
      "https://app.example.com",
      "HTTPS://app.example.com/callback",
    ];
    const r = parse(variants);
    expect(r.success).toBe(true);
    expect(r.data?.redirectUris).toEqual(variants);
  });

  it.each([
    ["http://app.example.com/callback", "must use https"],
    ["http://localhost.evil.example/cb", "must use https"],
    ["http://127.0.0.2.nip.io/cb", "must use https"],
    ["http://10.0.0.1/cb", "must use https"],
    ["https://app.example.com/cb#frag", "fragment"],
    ["https://app.example.com/cb#", "fragment"],
    ["http://localhost:3000/cb#x", "fragment"],
    ["/callback", "absolute URL"],
    ["app.example.com/callback", "absolute URL"],
    ["", "absolute URL"],
    ["com.example.app:/oauth", "must use https"],
    ["javascript:alert(1)", "must use https"],
    ["ftp://app.example.com/cb", "must use https"],
    [" https://app.example.com/cb", "spaces"],
    ["https://app.example.com/cb\n", "spaces"],
    ["https://user:pass@app.example.com/cb", "credentials"],
  ])("refuses %j (%s)", (uri, why) => {
    expect(redirectUriProblem(uri)).toContain(why);
    const r = parse([uri]);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]).toMatchObject({ path: ["redirectUris", 0] });
    expect(r.error?.issues[0].message).toContain(why);
  });

  it("allows at most 10", () => {
    const uris = Array.from({ length: 11 }, (_, i) => `https://app.example.com/cb/${i}`);
    expect(parse(uris.slice(0, 10)).success).toBe(true);
    expect(parse(uris).error?.issues[0]).toMatchObject({
      path: ["redirectUris"],
      message: "At most 10 redirect URIs.",
    });
  });

  it("refuses very long URIs", () => {
    expect(parse([`https://app.example.com/${"a".repeat(2048)}`]).success).toBe(false);
  });
});

describe("rotateSecretSchema", () => {
  it("defaults the grace period to one hour", () => {
    expect(rotateSecretSchema.parse({})).toEqual({ gracePeriodSeconds: 3600 });
  });
  it("accepts 0 to 30 days of whole seconds", () => {
    expect(rotateSecretSchema.parse({ gracePeriodSeconds: 0 }).gracePeriodSeconds).toBe(0);
    expect(rotateSecretSchema.parse({ gracePeriodSeconds: 2_592_000 }).gracePeriodSeconds).toBe(2_592_000);
    for (const gracePeriodSeconds of [-1, 2_592_001, 1.5, "60", null]) {
      expect(rotateSecretSchema.safeParse({ gracePeriodSeconds }).success).toBe(false);
    }
    expect(rotateSecretSchema.safeParse({ gracePeriodSeconds: 60, extra: 1 }).success).toBe(false);
  });
});

describe("response schemas never carry hashes", () => {
  it("has no hash fields", () => {
    for (const schema of [oauthClientSchema, createdOAuthClientSchema]) {
      const keys = Object.keys(schema.shape);
      expect(keys.filter((k) => /hash/i.test(k))).toEqual([]);
    }
  });
});
