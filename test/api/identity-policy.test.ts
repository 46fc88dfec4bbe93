import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isCommonPassword, passwordProblem } from "../../src/auth/password-policy.js";
import { dbFingerprint } from "../reliability/helpers.js";
import { startPatchbayBare } from "../helpers/bare.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";

/** Issue #10 points 4, 11 and 12: integration permission saves stay per integration; password policy; e-mails. */

let s: TestServer;
let sonarr: ArrEmulator;
const KEY = "policy-sonarr-key";
beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
});

async function sonarrIntegration(): Promise<string> {
  const r = await s.admin.integration.create.mutate({ name: "Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
  if ("error" in r) throw new Error(r.error.message);
  return r.id;
}

describe("password policy (point 11)", () => {
  it("the list is the top 10,000 common passwords, compared case-insensitively", () => {
    for (const p of ["password", "123456", "qwertyuiop", "1q2w3e4r5t", "PassWord123", "basketball"]) expect(isCommonPassword(p), p).toBe(true);
    for (const p of ["admin-password-1", "correct horse battery staple", "pw-user1-secret"]) expect(isCommonPassword(p), p).toBe(false);
    expect(passwordProblem("short-9ch")).toMatch(/at least 10 characters/);
    expect(passwordProblem("Alice.Smith", "alice.smith")).toMatch(/must not be the username/);
    expect(passwordProblem("a-fine-password-7", "alice")).toBeUndefined();
  });

  it("user.create, user.changePassword and onboarding refuse weak passwords with a 400 naming the field, writing nothing", async () => {
    const before = await dbFingerprint(s.deps.db);
    const cases: [Promise<unknown>, RegExp][] = [
      [s.admin.user.create.mutate({ username: "weak1", password: "123456789" }), /^password: must be at least 10 characters/],
      [s.admin.user.create.mutate({ username: "weak2", password: "1234567890" }), /^password: is one of the 10,000 most common passwords/],
      [s.admin.user.create.mutate({ username: "weak3", password: "Password123" }), /^password: is one of the 10,000 most common passwords/],
      [s.admin.user.create.mutate({ username: "Weak.Name.1", password: "weak.name.1" }), /^password: must not be the username/],
    ];
    for (const [p, message] of cases) {
      const err = await errorOf(p);
      expect(err).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
      expect(err.message).toMatch(message);
    }
    const u = await s.user([], "pw.owner.x");
    for (const [newPassword, message] of [
      ["1q2w3e4r5t", /^newPassword: is one of/],
      ["PW.OWNER.X", /^newPassword: must not be the username/],
      ["pw.owner", /^newPassword: must be at least 10/],
    ] as const) {
      const err = await errorOf(u.client.user.changePassword.mutate({ currentPassword: "pw-pw.owner.x-secret", newPassword }));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toMatch(message);
    }
    const named = await s.user([], "longusername1");
    const same = await errorOf(s.admin.user.changePassword.mutate({ userId: named.id, newPassword: "LongUserName1" }));
    expect(same.message).toMatch(/^newPassword: must not be the username/);
    // Only the two users made on purpose were written.
    const after = await dbFingerprint(s.deps.db);
    expect(after.counts.users).toBe(before.counts.users! + 2);

    const fresh = await startPatchbayBare();
    try {
      const token = /setup token: (\S+?)"/.exec(fresh.logs.find((l) => l.includes("setup token"))!)![1]!;
      for (const [username, password, message] of [
        ["root", "qwerty123", /^password: must be at least 10/],
        ["root", "qwerty1234", /^password: is one of the 10,000/],
        ["rootrootroot", "RootRootRoot", /^password: must not be the username/],
      ] as const) {
        const err = await errorOf(fresh.anonymous.onboarding.createAdmin.mutate({ setupToken: token, username, password }));
        expect(err.code).toBe("BAD_REQUEST");
        expect(err.message).toMatch(message);
      }
      expect(await fresh.anonymous.onboarding.status.query()).toEqual({ needsSetup: true });
    } finally {
      await fresh.close();
    }
  });
});

describe("integration permission saves never escalate anything global (point 4)", () => {
  it("a `full` user changes only that integration's rows, whichever principals they name", async () => {
    const full = await s.user([]);
    const friend = await s.user([]);
    const x = await sonarrIntegration();
    const y = await sonarrIntegration();
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: x, permissions: [{ principalId: full.id, permission: "full" }] });
    const admins = (await s.admin.group.list.query()).find((g) => g.name === "admins")!;
    const permsBefore = (await full.client.auth.session.query())!.user.permissions;
    const global = async () => ({
      users: await s.deps.db.selectFrom("users").selectAll().orderBy("id").execute(),
      groups: await s.deps.db.selectFrom("userGroups").selectAll().orderBy("id").execute(),
      members: await s.deps.db.selectFrom("groupMembers").selectAll().orderBy("groupId").orderBy("userId").execute(),
      grants: await s.deps.db.selectFrom("groupPermissions").selectAll().orderBy("groupId").orderBy("permission").execute(),
      otherUserRows: await s.deps.db.selectFrom("integrationUserPermissions").selectAll().where("integrationId", "!=", x).orderBy("integrationId").orderBy("userId").execute(),
      otherGroupRows: await s.deps.db.selectFrom("integrationGroupPermissions").selectAll().where("integrationId", "!=", x).orderBy("integrationId").orderBy("groupId").execute(),
    });
    const before = await global();

    // Allowed: share X with a friend, with the admins group, with everyone.
    await full.client.integration.saveUserIntegrationPermissions.mutate({
      entityId: x,
      permissions: [
        { principalId: full.id, permission: "full" },
        { principalId: friend.id, permission: "full" },
      ],
    });
    await full.client.integration.saveGroupIntegrationPermissions.mutate({
      entityId: x,
      permissions: [
        { principalId: admins.id, permission: "full" },
        { principalId: "everyone", permission: "use" },
      ],
    });
    // Refused: Y, where they have no access (NOT_FOUND, as if it did not exist).
    for (const p of [
      () => full.client.integration.saveUserIntegrationPermissions.mutate({ entityId: y, permissions: [{ principalId: full.id, permission: "full" }] }),
      () => full.client.integration.saveGroupIntegrationPermissions.mutate({ entityId: y, permissions: [{ principalId: "everyone", permission: "full" }] }),
    ]) {
      expect((await errorOf(p())).code).toBe("NOT_FOUND");
    }
    expect(await global()).toEqual(before);
    expect((await full.client.auth.session.query())!.user.permissions).toEqual(permsBefore);
    expect((await friend.client.auth.session.query())!.user.permissions).toEqual([]);
    // Their access to Y is unchanged (none), and what they did to X is exactly what they asked.
    expect((await errorOf(full.client.integration.byId.query({ id: y }))).code).toBe("NOT_FOUND");
    const xPerms = await s.admin.integration.getIntegrationPermissions.query({ id: x });
    expect(xPerms.users.map((u) => [u.user.id, u.permission]).sort()).toEqual([[full.id, "full"], [friend.id, "full"]].sort());
    expect(xPerms.groups.map((g) => [g.group.id, g.permission]).sort()).toEqual([[admins.id, "full"], ["everyone", "use"]].sort());

    // A full user who removes their own row loses X, and cannot take it back.
    await full.client.integration.saveUserIntegrationPermissions.mutate({ entityId: x, permissions: [{ principalId: friend.id, permission: "full" }] });
    // (everyone still has `use` on X, which is not enough to edit its permissions)
    expect((await errorOf(full.client.integration.saveGroupIntegrationPermissions.mutate({ entityId: x, permissions: [] }))).code).toBe("NOT_FOUND");
    const back = await errorOf(full.client.integration.saveUserIntegrationPermissions.mutate({ entityId: x, permissions: [{ principalId: full.id, permission: "full" }] }));
    expect(back.code).toBe("NOT_FOUND");
  });
});

describe("getIntegrationPermissions shows e-mail addresses only to user managers (point 12)", () => {
  it("a full user sees names, a user manager with full access sees e-mails", async () => {
    const x = await sonarrIntegration();
    const { id: withMail } = await s.admin.user.create.mutate({ username: "mailed", password: "mailed-password-1", email: "mailed@example.test" });
    const full = await s.user([]);
    const manager = await s.user(["user-manage"]);
    await s.admin.integration.saveUserIntegrationPermissions.mutate({
      entityId: x,
      permissions: [
        { principalId: withMail, permission: "use" },
        { principalId: full.id, permission: "full" },
        { principalId: manager.id, permission: "full" },
      ],
    });
    const seenByFull = await full.client.integration.getIntegrationPermissions.query({ id: x });
    expect(seenByFull.users.find((u) => u.user.id === withMail)?.user).toMatchObject({ username: "mailed", email: null });
    expect(JSON.stringify(seenByFull)).not.toContain("mailed@example.test");
    const rest = await fetch(`${s.url}/api/integrations/${x}/permissions`, { headers: { ApiKey: full.apiKey } });
    expect(await rest.text()).not.toContain("mailed@example.test");
    const seenByManager = await manager.client.integration.getIntegrationPermissions.query({ id: x });
    expect(seenByManager.users.find((u) => u.user.id === withMail)?.user.email).toBe("mailed@example.test");
    expect((await s.admin.integration.getIntegrationPermissions.query({ id: x })).users.find((u) => u.user.id === withMail)?.user.email).toBe("mailed@example.test");
    // The plain client sees exactly what the output schema allows.
    expect(Object.keys(seenByFull.users[0]!.user).sort()).toEqual(["email", "id", "image", "name", "username"]);
  });
});
