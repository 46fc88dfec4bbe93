import { createTRPCClient, httpLink } from "@trpc/client";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter, type AppRouter } from "../../src/api/root.js";
import { onAuditRecorded, pruneAudit, startAuditPruning, type AuditEntry } from "../../src/services/audit.js";
import { selfSignedCert } from "../../src/kinds/testing/tls.js";
import { expectNoSecret } from "../../src/kinds/testing/kind-helpers.js";
import { allProcedures, PROBE, registerProbeKind, startProbeUpstream } from "../capabilities/harness.js";
import { applyProvisioning } from "../../src/services/provisioning.js";
import { envOf, runCli, tempFile } from "../cli/helpers.js";
import { startPatchbayBare } from "../helpers/bare.js";
import { withFailingTrigger } from "../helpers/failing-trigger.js";
import { errorOf, makeClient, startPatchbay, type Client, type TestServer } from "../helpers/patchbay.js";

/**
 * The audit log (issue #15) through a real Patchbay over HTTP with the official tRPC client: every mutation
 * procedure of the app router — enumerated from the router itself, so a new mutation without an audit entry
 * fails here — leaves exactly one entry naming the actor and the change, in the change's transaction.
 */

const KEY = "audit-CANARY-probe-key-5c1d9e";
const KEY2 = "audit-CANARY-rotated-key-8a7b6c";
const TEMPLATE_KEY = "audit-CANARY-template-key-3f2e";
const USER_PASSWORD = "audit-CANARY-user-password-41";
const NEW_PASSWORD = "audit-CANARY-new-password-77";
/** Every secret the tests hand to Patchbay or get back from it (API tokens, setup token): none may reach the log. */
const canaries = [KEY, KEY2, TEMPLATE_KEY, USER_PASSWORD, NEW_PASSWORD, "admin-password-1"];

let s: TestServer;
let probe: Awaited<ReturnType<typeof startProbeUpstream>>;
let probe2: Awaited<ReturnType<typeof startProbeUpstream>>;
let bare: Awaited<ReturnType<typeof startPatchbayBare>>;

const mutationPaths = () =>
  Object.entries((appRouter._def as unknown as { procedures: Record<string, { _def: { type: string } }> }).procedures)
    .filter(([, p]) => p._def.type === "mutation")
    .map(([path]) => path)
    .sort();

beforeAll(async () => {
  registerProbeKind();
  [s, probe, probe2, bare] = await Promise.all([startPatchbay(), startProbeUpstream(KEY), startProbeUpstream(KEY2), startPatchbayBare()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([s?.close(), probe?.close(), probe2?.close(), bare?.close()]);
});

/** A session for `username` through auth.login, and a client that sends its cookie. */
async function signIn(username: string, password: string, baseUrl = s.url): Promise<Client> {
  let cookie = "";
  const login = createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${baseUrl}/api/trpc`,
        transformer: superjson,
        fetch: async (url, init) => {
          const res = await fetch(url, init as RequestInit);
          cookie = res.headers.get("set-cookie")?.split(";")[0] ?? cookie;
          return res;
        },
      }),
    ],
  });
  await login.auth.login.mutate({ username, password });
  return makeClient(baseUrl, { cookie });
}

/** The entries `fn` wrote, read back through audit.list (newest first). */
async function entriesOf(fn: () => Promise<unknown>, reader: Client = s.admin): Promise<AuditEntry[]> {
  const before = (await reader.audit.list.query({ limit: 1 })).items[0]?.id ?? "";
  await fn();
  const { items } = await reader.audit.list.query({ limit: 200 });
  return items.filter((e) => e.id > before) as AuditEntry[];
}

async function newIntegration(name: string) {
  const r = (await s.admin.integration.create.mutate({ name, kind: PROBE, url: probe.url, secrets: [{ kind: "apiKey", value: KEY }] })) as { id: string };
  return r.id;
}

const ADMIN_KEY_ACTOR = () => ({ type: "apiKey", id: s.adminId, name: "tests" });

interface Expect {
  action?: string;
  actor?: Record<string, unknown>;
  target?: Record<string, unknown>;
  changes?: (c: any) => void;
  outcome?: "ok" | "error";
}
/** `onBare`: the call runs on the instance without users (onboarding). */
type Case = () => Promise<{ call: () => Promise<unknown>; expect: Expect; onBare?: boolean }>;

const cert = selfSignedCert({ cn: "audit.test", san: "DNS:audit.test" });

/** One scenario per mutation path: setup (not measured), the call, what its one entry says. */
const cases: Record<string, Case> = {
  "integration.create": async () => ({
    call: () => s.admin.integration.create.mutate({ name: "Audited", kind: PROBE, url: probe.url, secrets: [{ kind: "apiKey", value: KEY }] }),
    expect: { target: { type: "integration", name: "Audited" }, changes: (c) => expect(c).toMatchObject({ name: "Audited", kind: PROBE, url: probe.url, secrets: ["apiKey"] }) },
  }),
  "integration.update": async () => {
    const id = await newIntegration("To update");
    return {
      call: () => s.admin.integration.update.mutate({ id, name: "Updated", url: probe2.url, secrets: [{ kind: "apiKey", value: KEY2 }] }),
      expect: {
        target: { type: "integration", id, name: "Updated" },
        changes: (c) => expect(c).toEqual({ name: { from: "To update", to: "Updated" }, url: { from: probe.url, to: probe2.url }, secrets: { changed: ["apiKey"], added: [], removed: [] } }),
      },
    };
  },
  "integration.delete": async () => {
    const id = await newIntegration("To delete");
    return { call: () => s.admin.integration.delete.mutate({ id }), expect: { target: { type: "integration", id, name: "To delete" }, changes: (c) => expect(c).toMatchObject({ kind: PROBE }) } };
  },
  "integration.saveUserIntegrationPermissions": async () => {
    const id = await newIntegration("Shared with a user");
    const u = await s.user();
    return {
      call: () => s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: s.adminId, permission: "full" }, { principalId: u.id, permission: "use" }] }),
      expect: {
        target: { type: "integration", id },
        changes: (c) => {
          expect(c.before).toEqual([{ principalId: s.adminId, permission: "full" }]);
          expect(c.after).toEqual([{ principalId: s.adminId, permission: "full" }, { principalId: u.id, permission: "use" }].sort((a, b) => (a.principalId < b.principalId ? -1 : 1)));
        },
      },
    };
  },
  "integration.saveGroupIntegrationPermissions": async () => {
    const id = await newIntegration("Shared with a group");
    const g = await s.admin.group.create.mutate({ name: "audit-viewers" });
    return {
      call: () => s.admin.integration.saveGroupIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: g.id, permission: "interact" }] }),
      expect: { target: { type: "integration", id }, changes: (c) => expect(c).toEqual({ before: [], after: [{ principalId: g.id, permission: "interact" }] }) },
    };
  },
  "integration.testConnection": async () => {
    const id = await newIntegration("To test");
    return { call: () => s.admin.integration.testConnection.mutate({ id }), expect: { target: { type: "integration", id }, outcome: "ok", changes: (c) => expect(c).toMatchObject({ kind: PROBE }) } };
  },
  "auth.login": async () => {
    const u = await s.user([], "audit-login");
    return {
      call: () => makeClient(s.url).auth.login.mutate({ username: u.username, password: `pw-${u.username}-secret` }),
      expect: { actor: { type: "user", id: u.id, name: u.username }, target: { type: "session" } },
    };
  },
  "auth.logout": async () => {
    const u = await s.user([], "audit-logout");
    const c = await signIn(u.username, `pw-${u.username}-secret`);
    return { call: () => c.auth.logout.mutate(), expect: { actor: { type: "user", id: u.id, name: u.username }, target: { type: "session" } } };
  },
  "auth.createApiKey": async () => ({
    call: () => s.admin.auth.createApiKey.mutate({ name: "audit key" }),
    expect: { target: { type: "apiKey", name: "audit key" }, changes: (c) => expect(c).toEqual({ name: "audit key", expiresAt: null }) },
  }),
  "auth.revokeSession": async () => {
    const u = await s.user([], "audit-sessions");
    const c = await signIn(u.username, `pw-${u.username}-secret`);
    const other = (await c.auth.listSessions.query()).find((x) => !x.current)!;
    return { call: () => c.auth.revokeSession.mutate({ id: other.id }), expect: { actor: { type: "user", id: u.id }, target: { type: "session", id: other.id } } };
  },
  "auth.revokeApiKey": async () => {
    const k = await s.admin.auth.createApiKey.mutate({ name: "to revoke" });
    return { call: () => s.admin.auth.revokeApiKey.mutate({ id: k.id }), expect: { target: { type: "apiKey", id: k.id, name: "to revoke" } } };
  },
  "onboarding.createAdmin": async () => ({
    call: () => bare.anonymous.onboarding.createAdmin.mutate({ setupToken: bare.deps.setupToken.value!, username: "first", password: USER_PASSWORD }),
    // The new admin is the actor; read back as that admin on the onboarded instance.
    onBare: true,
    expect: { actor: { type: "user", name: "first" }, target: { type: "user", name: "first" } },
  }),
  "user.create": async () => ({
    call: () => s.admin.user.create.mutate({ username: "audit-new", password: USER_PASSWORD }),
    expect: { target: { type: "user", name: "audit-new" }, changes: (c) => expect(c).toEqual({ username: "audit-new", email: null, name: null }) },
  }),
  "user.delete": async () => {
    const u = await s.user([], "audit-gone");
    return { call: () => s.admin.user.delete.mutate({ id: u.id }), expect: { target: { type: "user", id: u.id, name: u.username } } };
  },
  "user.changePassword": async () => {
    const u = await s.user([], "audit-pw");
    return { call: () => s.admin.user.changePassword.mutate({ userId: u.id, newPassword: NEW_PASSWORD }), expect: { target: { type: "user", id: u.id }, changes: (c) => expect(c.password).toBe("changed") } };
  },
  "group.create": async () => ({ call: () => s.admin.group.create.mutate({ name: "audit-group" }), expect: { target: { type: "group", name: "audit-group" }, changes: (c) => expect(c).toEqual({ name: "audit-group" }) } }),
  "group.delete": async () => {
    const g = await s.admin.group.create.mutate({ name: "audit-doomed" });
    return { call: () => s.admin.group.delete.mutate({ id: g.id }), expect: { target: { type: "group", id: g.id, name: "audit-doomed" } } };
  },
  "group.addMember": async () => {
    const g = await s.admin.group.create.mutate({ name: "audit-members" });
    const u = await s.user();
    return { call: () => s.admin.group.addMember.mutate({ groupId: g.id, userId: u.id }), expect: { target: { type: "group", id: g.id }, changes: (c) => expect(c).toMatchObject({ userId: u.id, alreadyMember: false }) } };
  },
  "group.removeMember": async () => {
    const g = await s.admin.group.create.mutate({ name: "audit-leavers" });
    const u = await s.user();
    await s.admin.group.addMember.mutate({ groupId: g.id, userId: u.id });
    return { call: () => s.admin.group.removeMember.mutate({ groupId: g.id, userId: u.id }), expect: { target: { type: "group", id: g.id }, changes: (c) => expect(c).toEqual({ userId: u.id, wasMember: true }) } };
  },
  "group.savePermissions": async () => {
    const g = await s.admin.group.create.mutate({ name: "audit-perms" });
    await s.admin.group.savePermissions.mutate({ groupId: g.id, permissions: ["app-create"] });
    return {
      call: () => s.admin.group.savePermissions.mutate({ groupId: g.id, permissions: ["integration-create", "app-create"] }),
      expect: { target: { type: "group", id: g.id }, changes: (c) => expect(c).toEqual({ before: ["app-create"], after: ["app-create", "integration-create"] }) },
    };
  },
  "app.create": async () => ({ call: () => s.admin.app.create.mutate({ name: "Audit app", iconUrl: "https://example.com/a.svg" }), expect: { target: { type: "app", name: "Audit app" } } }),
  "app.update": async () => {
    const a = await s.admin.app.create.mutate({ name: "Old app", iconUrl: "https://example.com/a.svg" });
    return { call: () => s.admin.app.update.mutate({ id: a.id, name: "New app", iconUrl: "https://example.com/a.svg" }), expect: { target: { type: "app", id: a.id }, changes: (c) => expect(c).toEqual({ name: { from: "Old app", to: "New app" } }) } };
  },
  "app.delete": async () => {
    const a = await s.admin.app.create.mutate({ name: "Doomed app", iconUrl: "https://example.com/a.svg" });
    return { call: () => s.admin.app.delete.mutate({ id: a.id }), expect: { target: { type: "app", id: a.id, name: "Doomed app" } } };
  },
  "searchEngine.create": async () => ({
    call: () => s.admin.searchEngine.create.mutate({ name: "Audit search", short: "auditsearch", iconUrl: "https://example.com/s.svg", urlTemplate: `https://search.example/?q=%s&key=${TEMPLATE_KEY}` }),
    expect: { target: { type: "searchEngine", name: "Audit search" }, changes: (c) => expect(c).toEqual({ name: "Audit search", short: "auditsearch", integrationId: null }) },
  }),
  "searchEngine.update": async () => {
    const e = await s.admin.searchEngine.create.mutate({ name: "Engine", short: "auditengine", iconUrl: "https://example.com/s.svg", urlTemplate: "https://search.example/?q=%s" });
    return {
      call: () => s.admin.searchEngine.update.mutate({ id: e.id, name: "Engine 2", short: "auditengine", iconUrl: "https://example.com/s.svg", urlTemplate: `https://search.example/?q=%s&key=${TEMPLATE_KEY}` }),
      expect: { target: { type: "searchEngine", id: e.id }, changes: (c) => expect(c).toEqual({ name: { from: "Engine", to: "Engine 2" }, urlTemplate: "changed" }) },
    };
  },
  "searchEngine.delete": async () => {
    const e = await s.admin.searchEngine.create.mutate({ name: "Gone engine", short: "auditgone", iconUrl: "https://example.com/s.svg", urlTemplate: "https://search.example/?q=%s" });
    return { call: () => s.admin.searchEngine.delete.mutate({ id: e.id }), expect: { target: { type: "searchEngine", id: e.id, name: "Gone engine" } } };
  },
  "certificate.trust": async () => ({
    call: () => s.admin.certificate.trust.mutate({ pem: cert.cert }),
    expect: { target: { type: "certificate" }, changes: (c) => expect(c.subject).toContain("audit.test") },
  }),
  "notification.create": async () => ({
    call: () => s.admin.notification.create.mutate({ name: "Audit hook", type: "webhook", url: `${probe.url}/hook?token=${TEMPLATE_KEY}`, secret: KEY2 }),
    expect: { target: { type: "notificationTarget", name: "Audit hook" }, changes: (c) => expect(c).toMatchObject({ name: "Audit hook", type: "webhook", secret: true }) },
  }),
  "notification.update": async () => {
    const { id } = await s.admin.notification.create.mutate({ name: "Hook before", type: "webhook", url: `${probe.url}/hook` });
    return {
      call: () => s.admin.notification.update.mutate({ id, name: "Hook after", url: `${probe.url}/other?token=${TEMPLATE_KEY}` }),
      expect: { target: { type: "notificationTarget", id, name: "Hook after" }, changes: (c) => expect(c).toMatchObject({ name: "Hook after", urlChanged: true, secretChanged: false }) },
    };
  },
  "notification.delete": async () => {
    const { id } = await s.admin.notification.create.mutate({ name: "Doomed hook", type: "webhook", url: `${probe.url}/hook` });
    return { call: () => s.admin.notification.delete.mutate({ id }), expect: { target: { type: "notificationTarget", id, name: "Doomed hook" } } };
  },
  "notification.test": async () => {
    const { id } = await s.admin.notification.create.mutate({ name: "Tested hook", type: "webhook", url: `${probe.url}/hook` });
    return { call: () => s.admin.notification.test.mutate({ id }), expect: { target: { type: "notificationTarget", id, name: "Tested hook" }, outcome: "error" } }; // the probe answers 404
  },
  "integration.checkNow": async () => {
    const id = await newIntegration("Checked now");
    return { call: () => s.admin.integration.checkNow.mutate({ id }), expect: { target: { type: "integration", id, name: "Checked now" }, outcome: "ok" } };
  },
  "dashboard.saveLayout": async () => {
    const u = await s.user([], "audit-dash");
    return {
      call: () => u.client.dashboard.saveLayout.mutate({ cards: [{ capability: "downloads", integrationIds: null }], pinnedEntities: [], calendarView: "agenda" }),
      expect: { actor: { type: "apiKey", id: u.id, name: "tests" }, target: { type: "user", id: u.id }, changes: (c) => expect(c).toEqual({ cards: ["downloads"] }) },
    };
  },
  "certificate.remove": async () => {
    const other = selfSignedCert({ cn: "remove.test", san: "DNS:remove.test" });
    const { id } = await s.admin.certificate.trust.mutate({ pem: other.cert });
    return { call: () => s.admin.certificate.remove.mutate({ id }), expect: { target: { type: "certificate", id }, changes: (c) => expect(c.subject).toContain("remove.test") } };
  },
};

// Capability actions, from the same table the capability routers are generated from (test/capabilities/harness.ts).
for (const p of allProcedures().filter((x) => x.type === "action")) {
  cases[`${p.router}.${p.procedure}`] = async () => {
    const id = await newIntegration(`Controlled ${p.router}.${p.procedure}`);
    const input = p.input(id).trpc;
    const { integrationId: _, ...params } = input;
    const routers = s.admin as unknown as Record<string, Record<string, { mutate(i: unknown): Promise<unknown> }>>;
    return {
      call: async () => expect(await routers[p.router]![p.procedure]!.mutate(input)).toMatchObject({ ok: true }),
      expect: { target: { type: "integration", id }, outcome: "ok", changes: (c) => expect(c).toEqual({ params }) },
    };
  };
}

describe("every mutation leaves exactly one audit entry", () => {
  it("the scenarios below cover every mutation procedure of the app router (a new one must be added here)", () => {
    expect(Object.keys(cases).sort()).toEqual(mutationPaths());
  });

  for (const path of mutationPaths()) {
    it(path, async () => {
      const scenario = cases[path];
      expect(scenario, `no audit scenario for the mutation ${path}`).toBeDefined();
      const { call, expect: want, onBare } = await scenario!();
      const heard: AuditEntry[] = [];
      const stop = onAuditRecorded((e) => void heard.push(e));
      let entries: AuditEntry[];
      try {
        if (onBare) {
          await call();
          // The onboarded instance had no entries before: all it has is this one.
          const admin = await signIn("first", USER_PASSWORD, bare.url);
          entries = (await admin.audit.list.query({})).items.filter((e) => e.action === path) as AuditEntry[];
        } else entries = await entriesOf(call);
      } finally {
        stop();
      }
      expect(entries, JSON.stringify(entries)).toHaveLength(1);
      const entry = entries[0]!;
      expect(entry.action).toBe(path);
      expect(entry.actor).toMatchObject(want.actor ?? ADMIN_KEY_ACTOR());
      expect(entry.ip).toBe("127.0.0.1");
      expect(entry.outcome).toBe(want.outcome ?? "ok");
      expect(entry.at.getTime()).toBeGreaterThan(Date.now() - 60_000);
      // "the change": a target, and where the scenario says so, the exact changes.
      if (want.target) expect(entry.target).toMatchObject(want.target);
      if (want.changes) want.changes(entry.changes);
      // The after-commit hook heard the same entry.
      expect(heard.filter((e) => e.id === entry.id)).toHaveLength(1);
      expectNoSecret(entry, canaries);
    });
  }
});

describe("failed logins", () => {
  it("auth.loginFailed names the username tried and the client address, never the password", async () => {
    const entries = await entriesOf(async () => {
      const err = await errorOf(s.anonymous.auth.login.mutate({ username: "mallory", password: USER_PASSWORD }));
      expect(err.code).toBe("UNAUTHORIZED");
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ action: "auth.loginFailed", actor: { type: "user", name: "mallory" }, ip: "127.0.0.1", outcome: "error" });
    expectNoSecret(entries, [USER_PASSWORD]);
  });
});

describe("the entry is written in the change's transaction", () => {
  it("a failure injected after the change (the audit insert fails) leaves neither the change nor an entry, and no listener hears of it", async () => {
    const id = await newIntegration("Survivor");
    const heard: AuditEntry[] = [];
    const stop = onAuditRecorded((e) => void heard.push(e));
    const countBefore = (await s.deps.db.selectFrom("auditLog").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n;
    try {
      await withFailingTrigger(s.deps, "audit_log", "INSERT", async () => {
        expect((await errorOf(s.admin.integration.update.mutate({ id, name: "Renamed", url: probe.url, secrets: [{ kind: "apiKey", value: null }] }))).code).toBe("INTERNAL_SERVER_ERROR");
        expect((await errorOf(s.admin.integration.delete.mutate({ id }))).code).toBe("INTERNAL_SERVER_ERROR");
        expect((await errorOf(s.admin.group.create.mutate({ name: "never-created" }))).code).toBe("INTERNAL_SERVER_ERROR");
      });
    } finally {
      stop();
    }
    const row = await s.deps.db.selectFrom("integrations").select("name").where("id", "=", id).executeTakeFirst();
    expect(row?.name).toBe("Survivor");
    expect(await s.deps.db.selectFrom("userGroups").select("id").where("name", "=", "never-created").executeTakeFirst()).toBeUndefined();
    const countAfter = (await s.deps.db.selectFrom("auditLog").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n;
    expect(Number(countAfter)).toBe(Number(countBefore));
    expect(heard).toEqual([]);
  });

  it("a listener that throws or rejects does not affect the request", async () => {
    const stops = [onAuditRecorded(() => { throw new Error("listener broke"); }), onAuditRecorded(async () => { throw new Error("listener rejected"); })];
    try {
      const { id } = await s.admin.group.create.mutate({ name: "despite-listeners" });
      expect(id).toBeTruthy();
    } finally {
      for (const stop of stops) stop();
    }
  });
});

describe("audit.list", () => {
  it("filters by actor, integration, action and time; cursor pages walk newest first without gaps or repeats", async () => {
    const u = await s.user(["integration-create"], "audit-filter");
    const mine = (await u.client.integration.create.mutate({ name: "Filter me", kind: PROBE, url: probe.url, secrets: [{ kind: "apiKey", value: KEY }] })) as { id: string };
    for (let i = 0; i < 4; i++) await u.client.integration.update.mutate({ id: mine.id, name: `Filter me ${i}`, url: probe.url, secrets: [{ kind: "apiKey", value: null }] });

    const byActor = await s.admin.audit.list.query({ actorId: u.id, limit: 200 });
    expect(byActor.items.length).toBeGreaterThanOrEqual(6); // its login, API key, create, 4 updates…
    expect(byActor.items.every((e) => e.actor.id === u.id)).toBe(true);

    const byIntegration = await s.admin.audit.list.query({ integrationId: mine.id });
    expect(byIntegration.items.map((e) => e.action)).toEqual([...Array(4).fill("integration.update"), "integration.create"]);
    expect(byIntegration.items.map((e) => e.target?.name)).toEqual(["Filter me 3", "Filter me 2", "Filter me 1", "Filter me 0", "Filter me"]);

    const byAction = await s.admin.audit.list.query({ action: "integration.update", actorId: u.id });
    expect(byAction.items).toHaveLength(4);

    const created = byIntegration.items.at(-1)!.at;
    const lastUpdate = byIntegration.items[0]!.at;
    const windowed = await s.admin.audit.list.query({ integrationId: mine.id, from: created, to: created });
    expect(windowed.items.every((e) => e.at.getTime() === created.getTime())).toBe(true);
    expect((await s.admin.audit.list.query({ integrationId: mine.id, from: new Date(lastUpdate.getTime() + 1) })).items).toEqual([]);

    // Pages of 2 over the whole log equal one big page.
    const all = await s.admin.audit.list.query({ limit: 200 });
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof s.admin.audit.list.query>> = await s.admin.audit.list.query({ limit: 2, cursor });
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor && walked.length < 400);
    expect(walked.slice(0, all.items.length)).toEqual(all.items.map((e) => e.id));
    const times = all.items.map((e) => e.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(new Set(walked).size).toBe(walked.length);
  });

  it("limit 1..200 (default 50), a foreign cursor and from after to are 400s naming the field", async () => {
    expect((await s.admin.audit.list.query({})).items.length).toBeLessThanOrEqual(50);
    for (const [input, field] of [
      [{ limit: 0 }, "limit"],
      [{ limit: 201 }, "limit"],
      [{ cursor: "not-a-cursor" }, "cursor"],
      [{ from: new Date(2026, 1, 2), to: new Date(2026, 1, 1) }, "to"],
    ] as const) {
      const err = await errorOf(s.admin.audit.list.query(input as never));
      expect(err.code).toBe("BAD_REQUEST");
      expect(err.message).toContain(field);
    }
  });

  it("is for admins only: anyone else gets FORBIDDEN", async () => {
    const u = await s.user(["user-manage", "integration-full-all"]);
    expect((await errorOf(u.client.audit.list.query({}))).code).toBe("FORBIDDEN");
    expect((await errorOf(s.anonymous.audit.list.query({}))).code).toBe("UNAUTHORIZED");
  });
});

describe("audit.integration", () => {
  it("the integration's full users see its history; use-only users and strangers do not", async () => {
    const id = await newIntegration("History");
    const [full, use, stranger] = await Promise.all([s.user(), s.user(), s.user()]);
    await s.admin.integration.saveUserIntegrationPermissions.mutate({
      entityId: id,
      permissions: [{ principalId: s.adminId, permission: "full" }, { principalId: full.id, permission: "full" }, { principalId: use.id, permission: "use" }],
    });
    const history = await full.client.audit.integration.query({ integrationId: id });
    expect(history.items.map((e) => e.action)).toEqual(["integration.saveUserIntegrationPermissions", "integration.create"]);
    expect((await full.client.audit.integration.query({ integrationId: id, limit: 1 })).nextCursor).not.toBeNull();
    expect((await errorOf(use.client.audit.integration.query({ integrationId: id }))).code).toBe("NOT_FOUND");
    expect((await errorOf(stranger.client.audit.integration.query({ integrationId: id }))).code).toBe("NOT_FOUND");
  });
});

describe("no secret anywhere in the log", () => {
  it("canary secrets appear in no audit entry and not in `patchbay audit export`", async () => {
    const rows = await s.deps.db.selectFrom("auditLog").selectAll().execute();
    expect(rows.length).toBeGreaterThan(40);
    expectNoSecret(rows, canaries);
    // API tokens handed out during the run are secrets too.
    const { token } = await s.admin.auth.createApiKey.mutate({ name: "canary token" });
    const out = await runCli(["audit", "export"], envOf(s.deps.config));
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    const lines = out.stdout.trim().split("\n").map((l) => JSON.parse(l) as { id: string; at: string; action: string });
    expect(lines.length).toBe(rows.length + 1);
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort());
    expect(lines.at(-1)!.action).toBe("auth.createApiKey");
    expectNoSecret(out.stdout, [...canaries, token]);

    const since = await runCli(["audit", "export", "--since", lines.at(-1)!.at], envOf(s.deps.config));
    expect(since.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id)).toContain(lines.at(-1)!.id);
    expect(since.stdout.trim().split("\n").length).toBeLessThan(lines.length);
    const bad = await runCli(["audit", "export", "--since", "yesterday-ish"], envOf(s.deps.config));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--since");
  }, 60_000);
});

describe("operator and provisioning actors", () => {
  it("the CLI acts as the operator; the provisioning file as provisioning (not as the admin whose rights they borrow)", async () => {
    const u = await s.user([], "audit-operated");
    const cli = await entriesOf(async () => {
      const r = await runCli(["user", "reset-password", "--username", u.username, "--password-file", tempFile("pw", NEW_PASSWORD)], envOf(s.deps.config));
      expect(r.code, r.stderr).toBe(0);
    });
    expect(cli).toHaveLength(1);
    expect(cli[0]).toMatchObject({ action: "user.changePassword", actor: { type: "operator", name: "cli" }, target: { type: "user", id: u.id }, changes: { password: "changed" } });
    expect(cli[0]!.actor.id).toBeUndefined();

    const file = tempFile("provision.yaml", `integrations:\n  - name: Provisioned\n    kind: ${PROBE}\n    url: ${probe.url}\n    secrets:\n      apiKey: { env: AUDIT_PROBE_KEY }\n`);
    const provisioned = await entriesOf(async () => {
      const report = await applyProvisioning(s.deps, file, { AUDIT_PROBE_KEY: KEY });
      expect(report.created).toEqual(["Provisioned"]);
    });
    expect(provisioned.map((e) => [e.action, e.actor.type, e.actor.name])).toEqual([["integration.create", "provisioning", "provision.yaml"]]);
    expectNoSecret(provisioned, [KEY]);
  }, 90_000);
});

describe("retention", () => {
  it("entries older than PATCHBAY_AUDIT_RETENTION_DAYS are pruned, newer ones stay; the pruner runs on its own", async () => {
    const old = (days: number, id: string) => ({
      id,
      at: Date.now() - days * 86_400_000,
      actorType: "operator",
      actorId: null,
      actorName: "cli",
      action: "test.old",
      targetType: null,
      targetId: null,
      targetName: null,
      integrationId: null,
      ip: null,
      changes: null,
      outcome: "ok",
    });
    await s.deps.db.insertInto("auditLog").values([old(400, "000000000001"), old(10, "000000000002")]).execute();
    expect(await pruneAudit(s.deps.db, 365)).toBe(1);
    const left = await s.deps.db.selectFrom("auditLog").select("id").where("action", "=", "test.old").execute();
    expect(left.map((r) => r.id)).toEqual(["000000000002"]);

    // The periodic pruner (started with the server) with a 5-day retention and a short period.
    const stop = startAuditPruning({ ...s.deps, config: { ...s.deps.config, auditRetentionDays: 5 } }, 50);
    try {
      await expect.poll(async () => (await s.deps.db.selectFrom("auditLog").select("id").where("action", "=", "test.old").execute()).length, { timeout: 5_000 }).toBe(0);
    } finally {
      stop();
    }
    expect(s.deps.config.auditRetentionDays).toBe(365);
  });
});
