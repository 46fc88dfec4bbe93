import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GlobalPermission } from "../../src/auth/permissions.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { errorOf, type Client, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * Every integration procedure × every kind of caller (acceptance of the foundation issue). Each cell states
 * the exact answer: "ok" or the tRPC error code. Lists must contain the integration exactly when the caller
 * can use it.
 */
type Who = "anonymous" | "noRights" | "use" | "interact" | "fullRow" | "fullGroup" | "fullAll" | "admin";
const WHO: Who[] = ["anonymous", "noRights", "use", "interact", "fullRow", "fullGroup", "fullAll", "admin"];

let s: TestServer;
let sonarr: ArrEmulator;
const KEY = "matrix-key";
const clients = {} as Record<Who, Client>;
const ids = {} as Record<Who, string>;
let fullGroupId: string;
let X: string;
const input = () => ({ name: "X", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey" as const, value: KEY }] });

async function create(): Promise<string> {
  return ((await s.admin.integration.create.mutate(input())) as { id: string }).id;
}

/** Gives each principal its access to an integration, the way the matrix row names it. */
async function grantAll(id: string) {
  await s.admin.integration.saveUserIntegrationPermissions.mutate({
    entityId: id,
    permissions: [
      { principalId: ids.use, permission: "use" },
      { principalId: ids.interact, permission: "interact" },
      { principalId: ids.fullRow, permission: "full" },
    ],
  });
  await s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: fullGroupId, permission: "full" }] });
}

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY })]);
  clients.anonymous = s.anonymous;
  clients.admin = s.admin;
  ids.admin = s.adminId;
  const plain: [Who, GlobalPermission[]][] = [
    ["noRights", []],
    ["use", []],
    ["interact", []],
    ["fullRow", []],
    ["fullGroup", []],
    ["fullAll", ["integration-full-all"]],
  ];
  for (const [who, perms] of plain) {
    const u = await s.user(perms, `m_${who}`);
    clients[who] = u.client;
    ids[who] = u.id;
  }
  fullGroupId = (await s.admin.group.create.mutate({ name: "matrix-full" })).id;
  await s.admin.group.addMember.mutate({ groupId: fullGroupId, userId: ids.fullGroup });
  X = await create();
  await grantAll(X);
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
});

type Cell = "ok" | "UNAUTHORIZED" | "FORBIDDEN" | "NOT_FOUND";
const row = (anonymous: Cell, noRights: Cell, use: Cell, interact: Cell, full: Cell): Record<Who, Cell> => ({
  anonymous,
  noRights,
  use,
  interact,
  fullRow: full,
  fullGroup: full,
  fullAll: full,
  admin: full,
});
const needsFull = row("UNAUTHORIZED", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "ok");
const needsUse = row("UNAUTHORIZED", "NOT_FOUND", "ok", "ok", "ok");
const needsInteract = row("UNAUTHORIZED", "NOT_FOUND", "FORBIDDEN", "ok", "ok");
const needsCreate: Record<Who, Cell> = { ...row("UNAUTHORIZED", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"), fullAll: "ok", admin: "ok" };
const everyone = row("ok", "ok", "ok", "ok", "ok");
const signedIn = row("UNAUTHORIZED", "ok", "ok", "ok", "ok");

const procedures: [string, Record<Who, Cell>, (c: Client, who: Who) => Promise<unknown>][] = [
  ["all", signedIn, (c) => c.integration.all.query()],
  ["allOfGivenCategory", signedIn, (c) => c.integration.allOfGivenCategory.query({ category: "mediaCollection" })],
  ["allThatSupportSearch", signedIn, (c) => c.integration.allThatSupportSearch.query()],
  ["search", signedIn, (c) => c.integration.search.query({ query: "X" })],
  ["byId", needsFull, (c) => c.integration.byId.query({ id: X })],
  ["byIds", everyone, (c) => c.integration.byIds.query([X])],
  ["getIntegrationPermissions", needsFull, (c) => c.integration.getIntegrationPermissions.query({ id: X })],
  ["getKinds", everyone, (c) => c.integration.getKinds.query()],
  ["create", needsCreate, (c) => c.integration.create.mutate(input())],
  ["testConnection(kind)", needsCreate, (c) => c.integration.testConnection.mutate({ kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] })],
  ["testConnection(id)", needsFull, (c) => c.integration.testConnection.mutate({ id: X })],
  ["update", needsFull, (c) => c.integration.update.mutate({ id: X, name: "X", url: sonarr.url, secrets: [{ kind: "apiKey", value: null }] })],
  [
    "saveUserIntegrationPermissions",
    needsFull,
    (c) =>
      c.integration.saveUserIntegrationPermissions.mutate({
        entityId: X,
        permissions: [
          { principalId: ids.use, permission: "use" },
          { principalId: ids.interact, permission: "interact" },
          { principalId: ids.fullRow, permission: "full" },
        ],
      }),
  ],
  [
    "saveGroupIntegrationPermissions",
    needsFull,
    (c) => c.integration.saveGroupIntegrationPermissions.mutate({ entityId: X, permissions: [{ principalId: fullGroupId, permission: "full" }] }),
  ],
  ["searchInIntegration", needsUse, (c) => c.integration.searchInIntegration.query({ integrationId: X, query: "anything" })],
  // Issue #15 (the other surfaces: test/api/surface-matrix.test.ts).
  ["health", needsUse, (c) => c.integration.health.query({ id: X })],
  ["checkNow", needsInteract, (c) => c.integration.checkNow.mutate({ id: X })],
];

async function outcome(p: Promise<unknown>): Promise<Cell> {
  try {
    await p;
    return "ok";
  } catch {
    return (await errorOf(p)).code as Cell;
  }
}

describe("authorization matrix", () => {
  for (const [name, expected, call] of procedures) {
    it(`${name}`, async () => {
      const got: Record<string, Cell> = {};
      for (const who of WHO) got[who] = await outcome(call(clients[who], who));
      expect(got).toEqual(expected);
    });
  }

  it("delete", async () => {
    const got: Record<string, Cell> = {};
    for (const who of WHO) {
      const target = await create();
      await grantAll(target);
      got[who] = await outcome(clients[who].integration.delete.mutate({ id: target }));
      const exists = await s.deps.db.selectFrom("integrations").select("id").where("id", "=", target).executeTakeFirst();
      expect(Boolean(exists)).toBe(got[who] !== "ok");
    }
    expect(got).toEqual(needsFull);
  });

  it("lists and search show X exactly to callers who can use it, with the right flags", async () => {
    const level: Record<Who, number> = { anonymous: 0, noRights: 0, use: 1, interact: 2, fullRow: 3, fullGroup: 3, fullAll: 3, admin: 3 };
    for (const who of WHO.filter((w) => w !== "anonymous")) {
      const c = clients[who];
      for (const list of [
        await c.integration.all.query(),
        await c.integration.allOfGivenCategory.query({ category: "mediaCollection" }),
        await c.integration.allThatSupportSearch.query(),
        await c.integration.search.query({ query: "x", limit: 100 }),
      ]) {
        const item = list.find((i) => i.id === X);
        if (level[who] === 0) {
          expect(item, who).toBeUndefined();
          // No list leaks any integration to a caller without rights.
          expect(list, who).toEqual([]);
        } else {
          expect(item?.permissions, who).toEqual({ hasUseAccess: true, hasInteractAccess: level[who] >= 2, hasFullAccess: level[who] >= 3 });
        }
      }
    }
  });

  it("a missing id and a forbidden id answer the same NOT_FOUND", async () => {
    const missing = await errorOf(clients.use.integration.byId.query({ id: "no-such-id" }));
    const forbidden = await errorOf(clients.use.integration.byId.query({ id: X }));
    expect(missing).toMatchObject({ code: "NOT_FOUND", message: "Integration not found" });
    expect(forbidden).toMatchObject({ code: "NOT_FOUND", message: "Integration not found" });
  });
});
