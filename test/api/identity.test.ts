import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbayBare } from "../helpers/bare.js";
import { errorOf, makeClient, startPatchbay, type TestServer } from "../helpers/patchbay.js";

let s: TestServer;
beforeAll(async () => {
  s = await startPatchbay();
});
afterAll(() => s?.close());

async function rawLogin(username: string, password: string, headers: Record<string, string> = {}) {
  return fetch(`${s.url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: { username, password } }),
  });
}

describe("auth (§1, §2)", () => {
  it("login sets an HttpOnly SameSite=Lax cookie; session and logout work", async () => {
    const res = await rawLogin("admin", "admin-password-1");
    expect(res.status).toBe(200);
    const setCookie = res.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/patchbay_session=/);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Lax/i);
    const cookie = setCookie.split(";")[0]!;
    const client = makeClient(s.url, { cookie });
    expect((await client.auth.session.query())?.user.username).toBe("admin");
    await client.auth.logout.mutate();
    expect(await client.auth.session.query()).toBeNull();
    expect((await errorOf(client.integration.all.query())).code).toBe("UNAUTHORIZED");
  });

  it("wrong credentials are UNAUTHORIZED, and repeated failures are rate limited", async () => {
    const u = await s.user([], "ratelimited");
    for (let i = 0; i < 10; i++) {
      const err = await errorOf(s.anonymous.auth.login.mutate({ username: u.username, password: "wrong-password" }));
      expect(err.code).toBe("UNAUTHORIZED");
    }
    const limited = await errorOf(s.anonymous.auth.login.mutate({ username: u.username, password: `pw-${u.username}-secret` }));
    expect(limited.code).toBe("TOO_MANY_REQUESTS");
    // Another account from the same address is not locked out by it.
    expect((await s.anonymous.auth.login.mutate({ username: "admin", password: "admin-password-1" })).user.username).toBe("admin");
  });

  it("a cookie-authenticated mutation from another origin is FORBIDDEN; same origin and API keys pass", async () => {
    const cookie = (await rawLogin("admin", "admin-password-1")).headers.get("set-cookie")!.split(";")[0]!;
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/api/trpc/auth.createApiKey`, {
        method: "POST",
        headers: { "content-type": "application/json", ...headers },
        body: JSON.stringify({ json: { name: "csrf" } }),
      });
    expect((await post({ cookie, origin: "http://evil.example" })).status).toBe(403);
    expect((await post({ cookie, referer: "http://evil.example/page" })).status).toBe(403);
    expect((await post({ cookie, origin: s.url })).status).toBe(200);
    expect((await post({ cookie })).status).toBe(200);
    const key = (await s.admin.auth.createApiKey.mutate({ name: "k" })).token;
    expect((await post({ ApiKey: key, origin: "http://evil.example" })).status).toBe(200);
  });

  it("API keys work as `ApiKey:` and `Authorization: Bearer`, are listed without the token, and can be revoked", async () => {
    const u = await s.user([], "keyuser");
    const created = await u.client.auth.createApiKey.mutate({ name: "script" });
    expect(created.token).toMatch(/^pb_/);
    for (const headers of [{ ApiKey: created.token }, { Authorization: `Bearer ${created.token}` }] as Record<string, string>[]) {
      expect((await makeClient(s.url, headers).auth.session.query())?.user.id).toBe(u.id);
    }
    const keys = await u.client.auth.listApiKeys.query();
    expect(keys.find((k) => k.id === created.id)).toMatchObject({ name: "script", createdAt: expect.any(Date) });
    expect(JSON.stringify(keys)).not.toContain(created.token);
    // Stored hashed only.
    const rows = await s.deps.db.selectFrom("apiKeys").select("tokenHash").execute();
    expect(rows.some((r) => r.tokenHash === created.token)).toBe(false);
    await u.client.auth.revokeApiKey.mutate({ id: created.id });
    expect(await makeClient(s.url, { ApiKey: created.token }).auth.session.query()).toBeNull();
    // Someone else's key cannot be revoked.
    const other = await s.admin.auth.createApiKey.mutate({ name: "admins" });
    expect((await errorOf(u.client.auth.revokeApiKey.mutate({ id: other.id }))).code).toBe("NOT_FOUND");
  });
});

describe("users and groups", () => {
  it("user-manage is needed to create users; lists never contain password hashes", async () => {
    const plain = await s.user();
    expect((await errorOf(plain.client.user.create.mutate({ username: "x1", password: "longenough" }))).code).toBe("FORBIDDEN");
    const list = await plain.client.user.list.query();
    expect(JSON.stringify(list)).not.toMatch(/argon2|passwordHash/);
    const me = await plain.client.user.byId.query({ id: plain.id });
    expect(JSON.stringify(me)).not.toMatch(/argon2|passwordHash/);
    expect((await errorOf(plain.client.user.byId.query({ id: s.adminId }))).code).toBe("NOT_FOUND");
    expect((await errorOf(s.admin.user.create.mutate({ username: plain.username, password: "longenough" }))).code).toBe("CONFLICT");
  });

  it("global permissions come from groups and everyone, and imply their children", async () => {
    const u = await s.user();
    const g = await s.admin.group.create.mutate({ name: "creators" });
    await s.admin.group.savePermissions.mutate({ groupId: g.id, permissions: ["integration-full-all"] });
    await s.admin.group.addMember.mutate({ groupId: g.id, userId: u.id });
    const perms = (await u.client.auth.session.query())!.user.permissions;
    expect(perms).toEqual(["integration-create", "integration-full-all", "integration-interact-all", "integration-use-all"]);
    await s.admin.group.removeMember.mutate({ groupId: g.id, userId: u.id });
    expect((await u.client.auth.session.query())!.user.permissions).toEqual([]);
    // `everyone` holds every user without member rows.
    await s.admin.group.savePermissions.mutate({ groupId: "everyone", permissions: ["app-create"] });
    expect((await u.client.auth.session.query())!.user.permissions).toEqual(["app-create"]);
    await s.admin.group.savePermissions.mutate({ groupId: "everyone", permissions: [] });
    expect((await errorOf(s.admin.group.delete.mutate({ id: "everyone" }))).code).toBe("BAD_REQUEST");
    expect((await errorOf(s.admin.group.create.mutate({ name: "creators" }))).code).toBe("CONFLICT");
  });

  it("a user manager cannot grant what they do not hold", async () => {
    const manager = await s.user(["user-manage"]);
    const g = await manager.client.group.create.mutate({ name: "escalate" });
    expect((await errorOf(manager.client.group.savePermissions.mutate({ groupId: g.id, permissions: ["admin"] }))).code).toBe("FORBIDDEN");
    const admins = (await s.admin.group.list.query()).find((x) => x.name === "admins")!;
    expect((await errorOf(manager.client.group.addMember.mutate({ groupId: admins.id, userId: manager.id }))).code).toBe("FORBIDDEN");
    await manager.client.group.savePermissions.mutate({ groupId: g.id, permissions: ["user-manage"] });
  });

  it("changing a password needs the current one and ends other sessions", async () => {
    const u = await s.user([], "pwchange");
    const err = await errorOf(u.client.user.changePassword.mutate({ currentPassword: "wrong", newPassword: "new-password-1" }));
    expect(err.code).toBe("BAD_REQUEST");
    const cookie = (await rawLogin("pwchange", "pw-pwchange-secret")).headers.get("set-cookie")!.split(";")[0]!;
    const session = makeClient(s.url, { cookie });
    await u.client.user.changePassword.mutate({ currentPassword: "pw-pwchange-secret", newPassword: "new-password-1" });
    expect(await session.auth.session.query()).toBeNull();
    expect((await rawLogin("pwchange", "new-password-1")).status).toBe(200);
  });

  it("deleting a user removes their sessions and rows", async () => {
    const u = await s.user();
    await s.admin.user.delete.mutate({ id: u.id });
    expect(await u.client.auth.session.query()).toBeNull();
    expect((await errorOf(s.admin.user.delete.mutate({ id: s.adminId }))).code).toBe("BAD_REQUEST");
  });
});

describe("onboarding", () => {
  it("without admin env vars, the first admin needs the one-time setup token from the log", async () => {
    const fresh = await startPatchbayBare();
    try {
      expect(await fresh.anonymous.onboarding.status.query()).toEqual({ needsSetup: true });
      const logLine = fresh.logs.find((l) => l.includes("setup token"))!;
      const token = /setup token: (\S+?)"/.exec(logLine)![1]!;
      const wrong = await errorOf(fresh.anonymous.onboarding.createAdmin.mutate({ setupToken: "nope", username: "root", password: "long-password" }));
      expect(wrong.code).toBe("FORBIDDEN");
      await fresh.anonymous.onboarding.createAdmin.mutate({ setupToken: token, username: "root", password: "long-password" });
      expect(await fresh.anonymous.onboarding.status.query()).toEqual({ needsSetup: false });
      const again = await errorOf(fresh.anonymous.onboarding.createAdmin.mutate({ setupToken: token, username: "root2", password: "long-password" }));
      expect(again.code).toBe("CONFLICT");
      const login = await fresh.anonymous.auth.login.mutate({ username: "root", password: "long-password" });
      expect(login.user.username).toBe("root");
    } finally {
      await fresh.close();
    }
  });
});
