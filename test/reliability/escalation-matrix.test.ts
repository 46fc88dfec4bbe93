import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GlobalPermission } from "../../src/auth/permissions.js";
import { sessionId } from "../../src/services/auth.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer } from "../../src/kinds/testing/server.js";
import { dbFingerprint, rawTrpc } from "./helpers.js";

/**
 * The escalation matrix (issue #10): a user who holds only `user-manage` × every identity procedure × every
 * kind of target (a plain user, an admin, the last admin, a member of a group with global rights, a member
 * of a group with `full` on an integration, and those groups themselves). Each cell is sent as raw HTTP with
 * the manager's API key against fresh fixtures; an allowed cell must answer 200 and write, a refused one must
 * answer its code (FORBIDDEN, or NOT_FOUND where the caller cannot see the object) and leave the fingerprint
 * of every stored row unchanged. A second table does the same for an admin against the last admin.
 */

let s: TestServer;
let sonarr: ArrEmulator;
let thief: FakeServer;
const KEY = "matrix-sonarr-key-9e2a";
let manager: { id: string; apiKey: string };
let adminKey: string;
let adminKeyId: string;
let adminSessionId: string;
let bystanderId: string;
let integrationId: string;
let n = 0;

beforeAll(async () => {
  [s, sonarr, thief] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY }), startFakeServer((_q, res) => void res.writeHead(404).end())]);
  manager = await s.user(["user-manage"], "matrix-manager");
  ({ token: adminKey, id: adminKeyId } = await s.admin.auth.createApiKey.mutate({ name: "matrix-admin" }));
  const r = await s.admin.integration.create.mutate({ name: "Matrix Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] });
  if ("error" in r) throw new Error(r.error.message);
  integrationId = r.id;
  bystanderId = (await s.admin.user.create.mutate({ username: "matrix-bystander", password: "matrix-bystander-password" })).id;
  const session = await s.deps.db.selectFrom("sessions").select("tokenHash").where("userId", "=", s.adminId).executeTakeFirstOrThrow();
  adminSessionId = sessionId(session.tokenHash);
}, 120_000);
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close(), thief?.close()]);
});

type Outcome = "ok" | "FORBIDDEN" | "NOT_FOUND" | "BAD_REQUEST";
type UserTarget = "plainUser" | "admin" | "lastAdmin" | "globalMember" | "integrationMember";
type GroupTarget = "plainGroup" | "adminsGroup" | "globalGroup" | "integrationGroup";
const USER_TARGETS: UserTarget[] = ["plainUser", "admin", "lastAdmin", "globalMember", "integrationMember"];
const GROUP_TARGETS: GroupTarget[] = ["plainGroup", "adminsGroup", "globalGroup", "integrationGroup"];

const adminsGroupId = async () => (await s.admin.group.list.query()).find((g) => g.name === "admins")!.id;

/** A fresh group of the given kind, with one plain member; cleaned up by the caller through `undo`. */
async function groupOf(kind: GroupTarget): Promise<{ id: string; memberId: string; undo: () => Promise<void> }> {
  if (kind === "adminsGroup") return { id: await adminsGroupId(), memberId: s.adminId, undo: async () => undefined };
  const g = await s.admin.group.create.mutate({ name: `matrix-${kind}-${++n}` });
  const member = await s.admin.user.create.mutate({ username: `matrix-member-${n}`, password: `matrix-member-password-${n}` });
  await s.admin.group.addMember.mutate({ groupId: g.id, userId: member.id });
  if (kind === "globalGroup") await s.admin.group.savePermissions.mutate({ groupId: g.id, permissions: ["integration-use-all", "app-create"] satisfies GlobalPermission[] });
  if (kind === "integrationGroup") {
    const rows = (await s.admin.integration.getIntegrationPermissions.query({ id: integrationId })).groups.map((r) => ({ principalId: r.group.id, permission: r.permission }));
    await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: integrationId, permissions: [...rows, { principalId: g.id, permission: "full" }] });
  }
  return {
    id: g.id,
    memberId: member.id,
    undo: async () => {
      await s.admin.group.delete.mutate({ id: g.id }).catch(() => undefined);
      await s.admin.user.delete.mutate({ id: member.id }).catch(() => undefined);
    },
  };
}

/** A fresh user of the given kind. */
async function userOf(kind: UserTarget): Promise<{ id: string; undo: () => Promise<void> }> {
  if (kind === "lastAdmin") {
    const admins = await s.deps.db.selectFrom("groupMembers as m").innerJoin("groupPermissions as p", "p.groupId", "m.groupId").select("m.userId").where("p.permission", "=", "admin").distinct().execute();
    expect(admins.map((a) => a.userId)).toEqual([s.adminId]);
    return { id: s.adminId, undo: async () => undefined };
  }
  const u = await s.admin.user.create.mutate({ username: `matrix-${kind}-${++n}`, password: `matrix-target-password-${n}` });
  let group: Awaited<ReturnType<typeof groupOf>> | undefined;
  if (kind === "admin") {
    group = await groupOf("plainGroup");
    await s.admin.group.savePermissions.mutate({ groupId: group.id, permissions: ["admin"] });
  } else if (kind === "globalMember") group = await groupOf("globalGroup");
  else if (kind === "integrationMember") group = await groupOf("integrationGroup");
  if (group) await s.admin.group.addMember.mutate({ groupId: group.id, userId: u.id });
  return {
    id: u.id,
    undo: async () => {
      await s.admin.user.delete.mutate({ id: u.id }).catch(() => undefined);
      await group?.undo();
    },
  };
}

interface Cell {
  procedure: string;
  /** What the table shows when one procedure has several rows (e.g. the permissions saved). */
  label?: string;
  type: "query" | "mutation";
  target: string;
  expected: Outcome;
  /** Makes the cell's fixtures; returns the request input and how to remove the fixtures afterwards. */
  setup(): Promise<{ input: unknown; undo: () => Promise<void> }>;
}

const cells: Cell[] = [];
const userCell = (procedure: string, expected: Record<UserTarget, Outcome>, input: (id: string) => unknown) => {
  for (const target of USER_TARGETS) {
    cells.push({
      procedure,
      type: "mutation",
      target,
      expected: expected[target],
      async setup() {
        const t = await userOf(target);
        return { input: input(t.id), undo: t.undo };
      },
    });
  }
};
const groupCell = (procedure: string, label: string, expected: Record<GroupTarget, Outcome>, input: (g: { id: string; memberId: string }) => unknown) => {
  for (const target of GROUP_TARGETS) {
    cells.push({
      procedure,
      label,
      type: "mutation",
      target,
      expected: expected[target],
      async setup() {
        const g = await groupOf(target);
        return { input: input(g), undo: g.undo };
      },
    });
  }
};
const single = (procedure: string, type: "query" | "mutation", target: string, expected: Outcome, input: () => unknown) =>
  cells.push({ procedure, type, target, expected, setup: async () => ({ input: input(), undo: async () => undefined }) });

const onlyPlainUser: Record<UserTarget, Outcome> = { plainUser: "ok", admin: "FORBIDDEN", lastAdmin: "FORBIDDEN", globalMember: "FORBIDDEN", integrationMember: "FORBIDDEN" };
const onlyPlainGroup: Record<GroupTarget, Outcome> = { plainGroup: "ok", adminsGroup: "FORBIDDEN", globalGroup: "FORBIDDEN", integrationGroup: "FORBIDDEN" };
const never: Record<GroupTarget, Outcome> = { plainGroup: "FORBIDDEN", adminsGroup: "FORBIDDEN", globalGroup: "FORBIDDEN", integrationGroup: "FORBIDDEN" };

userCell("user.delete", onlyPlainUser, (id) => ({ id }));
userCell("user.changePassword", onlyPlainUser, (id) => ({ userId: id, newPassword: "matrix-new-password-1" }));
groupCell("group.delete", "group.delete", onlyPlainGroup, (g) => ({ id: g.id }));
groupCell("group.savePermissions", "group.savePermissions [user-manage]", onlyPlainGroup, (g) => ({ groupId: g.id, permissions: ["user-manage"] }));
groupCell("group.savePermissions", "group.savePermissions [admin]", never, (g) => ({ groupId: g.id, permissions: ["admin"] }));
groupCell("group.addMember", "group.addMember (themselves)", onlyPlainGroup, (g) => ({ groupId: g.id, userId: manager.id }));
groupCell("group.addMember", "group.addMember (a plain user)", onlyPlainGroup, (g) => ({ groupId: g.id, userId: bystanderId }));
groupCell("group.removeMember", "group.removeMember", onlyPlainGroup, (g) => ({ groupId: g.id, userId: g.memberId }));
single("user.create", "mutation", "-", "ok", () => ({ username: `matrix-created-${++n}`, password: "matrix-created-password" }));
single("group.create", "mutation", "-", "ok", () => ({ name: `matrix-created-group-${++n}` }));
single("group.savePermissions", "mutation", "everyone [admin]", "FORBIDDEN", () => ({ groupId: "everyone", permissions: ["admin"] }));
single("auth.createApiKey", "mutation", "own", "ok", () => ({ name: "matrix" }));
single("auth.revokeApiKey", "mutation", "the admin's key", "NOT_FOUND", () => ({ id: adminKeyId }));
single("auth.revokeSession", "mutation", "the admin's session", "NOT_FOUND", () => ({ id: adminSessionId }));
single("auth.listSessions", "query", "own", "ok", () => undefined);
single("user.changePassword", "mutation", "plainUser, common password", "BAD_REQUEST", () => ({ userId: bystanderId, newPassword: "1q2w3e4r5t" }));
single("integration.saveUserIntegrationPermissions", "mutation", "integration of integrationGroup", "NOT_FOUND", () => ({
  entityId: integrationId,
  permissions: [{ principalId: manager.id, permission: "full" }],
}));
single("integration.saveGroupIntegrationPermissions", "mutation", "integration of integrationGroup", "NOT_FOUND", () => ({
  entityId: integrationId,
  permissions: [{ principalId: "everyone", permission: "full" }],
}));
single("integration.testConnection", "mutation", "{id, url: own server}", "NOT_FOUND", () => ({ id: integrationId, url: thief.url }));
single("integration.getIntegrationPermissions", "query", "integration of integrationGroup", "NOT_FOUND", () => ({ id: integrationId }));

const httpStatus: Record<Outcome, number> = { ok: 200, FORBIDDEN: 403, NOT_FOUND: 404, BAD_REQUEST: 400 };

/** One cell: fixtures, then the fingerprint right around the one request under test, then the fixtures go. */
async function runCell(cell: Cell, key: string): Promise<{ got: string; wrote: boolean; message: string }> {
  const { input, undo } = await cell.setup();
  const before = (await dbFingerprint(s.deps.db)).hash;
  const answer = await rawTrpc(s.url, key, cell.procedure, cell.type, input);
  const wrote = (await dbFingerprint(s.deps.db)).hash !== before;
  await undo();
  const code = answer.json?.error?.json?.data?.code as string | undefined;
  const got = answer.status === 200 ? "ok" : (code ?? `HTTP ${answer.status}`);
  if (code && answer.status !== httpStatus[code as Outcome]) throw new Error(`${cell.procedure}: ${code} with HTTP ${answer.status}`);
  return { got, wrote, message: answer.json?.error?.json?.message ?? "" };
}

describe("escalation matrix: a user manager against every identity procedure and target", () => {
  it("allowed cells succeed and write; refused cells answer their code and change nothing", async () => {
    const rows: string[] = [];
    const failures: string[] = [];
    for (const cell of cells) {
      const { got, wrote, message } = await runCell(cell, manager.apiKey);
      const label = cell.label ?? cell.procedure;
      rows.push(`${label.padEnd(48)} ${cell.target.padEnd(32)} ${String(got).padEnd(10)} ${wrote ? "wrote" : "-"}`);
      if (got !== cell.expected) failures.push(`${label} × ${cell.target}: expected ${cell.expected}, got ${got} (${message})`);
      else if (got === "ok" && cell.type === "mutation" ? !wrote : wrote) failures.push(`${label} × ${cell.target}: ${got} but ${wrote ? "wrote" : "wrote nothing"}`);
      if (got === "FORBIDDEN" && !/You cannot|Missing permission/.test(message)) failures.push(`${label} × ${cell.target}: unclear message "${message}"`);
    }
    console.log(`escalation matrix (user-manage only):\n${rows.join("\n")}`);
    expect(failures).toEqual([]);
    expect(cells.length).toBeGreaterThanOrEqual(40);
    // The stored API key never reached the manager's server.
    expect(thief.requests.filter((r) => JSON.stringify(r).includes(KEY))).toEqual([]);
    // The manager ends with exactly what they started with.
    const session = await rawTrpc(s.url, manager.apiKey, "auth.session", "query", undefined);
    expect(session.json.result.data.json.user.permissions).toEqual(["user-manage"]);
  });

  it("the last admin cannot be demoted, removed or deleted by an admin either (nothing changes)", async () => {
    const admins = await adminsGroupId();
    // With a second admin the first may step down (an admin remains) …
    const second = await userOf("admin");
    const ok = await rawTrpc(s.url, adminKey, "group.savePermissions", "mutation", { groupId: admins, permissions: ["admin", "user-manage"] });
    expect(ok.status).toBe(200);
    await second.undo();
    // … but as the last admin, everything that would leave none is refused, whoever asks.
    const attempts: [string, unknown, Outcome][] = [
      ["group.removeMember", { groupId: admins, userId: s.adminId }, "FORBIDDEN"],
      ["group.savePermissions", { groupId: admins, permissions: ["user-manage"] }, "FORBIDDEN"],
      ["group.delete", { id: admins }, "FORBIDDEN"],
      ["user.delete", { id: s.adminId }, "BAD_REQUEST"],
    ];
    for (const [procedure, input, expected] of attempts) {
      const before = (await dbFingerprint(s.deps.db)).hash;
      const answer = await rawTrpc(s.url, adminKey, procedure, "mutation", input);
      expect({ procedure, status: answer.status, code: answer.json?.error?.json?.data?.code }).toEqual({ procedure, status: httpStatus[expected], code: expected });
      if (expected === "FORBIDDEN") expect(answer.json.error.json.message).toMatch(/without an admin/);
      expect((await dbFingerprint(s.deps.db)).hash).toBe(before);
    }
  });
});
