import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { tokenHash } from "../../src/auth/tokens.js";
import { errorOf, makeClient, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/** Issue #10 point 13: idle timeout, own sessions listed and revoked, API keys that expire. */

let s: TestServer;
let short: TestServer; // PATCHBAY_SESSION_IDLE_DAYS=1
beforeAll(async () => {
  [s, short] = await Promise.all([startPatchbay(), startPatchbay({ sessionIdleDays: 1 })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), short?.close()]);
});

const DAY = 24 * 3600_000;

async function login(server: TestServer, username: string, password: string) {
  const res = await fetch(`${server.url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username, password } }),
  });
  expect(res.status).toBe(200);
  const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
  const token = decodeURIComponent(cookie.split("=")[1]!).replace(/\.[^.]*$/, ""); // signed cookie: value.signature
  return { client: makeClient(server.url, { cookie }), cookie, hash: tokenHash(token) };
}
const passwordOf = (username: string) => `pw-${username}-secret`;

async function sessionRow(server: TestServer, hash: string) {
  return server.deps.db.selectFrom("sessions").selectAll().where("tokenHash", "=", hash).executeTakeFirst();
}

describe("idle timeout", () => {
  it("a session unused for longer than the idle timeout (default 7 days) ends; a recently used one lives on", async () => {
    const u = await s.user([]);
    const idle = await login(s, u.username, passwordOf(u.username));
    const active = await login(s, u.username, passwordOf(u.username));
    expect(await sessionRow(s, idle.hash)).toBeDefined(); // the cookie maps to the stored hash
    const now = Date.now();
    await s.deps.db.updateTable("sessions").set({ lastSeenAt: now - 8 * DAY }).where("tokenHash", "=", idle.hash).execute();
    await s.deps.db.updateTable("sessions").set({ lastSeenAt: now - 6 * DAY }).where("tokenHash", "=", active.hash).execute();
    expect(await idle.client.auth.session.query()).toBeNull();
    expect((await errorOf(idle.client.integration.all.query())).code).toBe("UNAUTHORIZED");
    expect((await active.client.auth.session.query())?.user.id).toBe(u.id);
    // Using it moved its idle clock forward.
    expect(Number((await sessionRow(s, active.hash))!.lastSeenAt)).toBeGreaterThanOrEqual(now);
  });

  it("PATCHBAY_SESSION_IDLE_DAYS sets it (here 1 day)", async () => {
    const u = await short.user([]);
    const a = await login(short, u.username, passwordOf(u.username));
    await short.deps.db.updateTable("sessions").set({ lastSeenAt: Date.now() - 2 * DAY }).where("tokenHash", "=", a.hash).execute();
    expect(await a.client.auth.session.query()).toBeNull();
    expect(loadConfig({}).sessionIdleDays).toBe(7);
    expect(loadConfig({ PATCHBAY_SESSION_IDLE_DAYS: "30" }).sessionIdleDays).toBe(30);
    for (const bad of ["0", "abc", "1.5", "366"]) expect(() => loadConfig({ PATCHBAY_SESSION_IDLE_DAYS: bad })).toThrow(ConfigError);
  });

  it("last-seen is written at most once a minute, not on every request", async () => {
    const u = await s.user([]);
    const a = await login(s, u.username, passwordOf(u.username));
    const recent = Date.now() - 30_000;
    await s.deps.db.updateTable("sessions").set({ lastSeenAt: recent }).where("tokenHash", "=", a.hash).execute();
    for (let i = 0; i < 3; i++) await a.client.auth.session.query();
    expect(Number((await sessionRow(s, a.hash))!.lastSeenAt)).toBe(recent);
    const older = Date.now() - 120_000;
    await s.deps.db.updateTable("sessions").set({ lastSeenAt: older }).where("tokenHash", "=", a.hash).execute();
    await a.client.auth.session.query();
    expect(Number((await sessionRow(s, a.hash))!.lastSeenAt)).toBeGreaterThan(older);
  });
});

describe("auth.listSessions / auth.revokeSession", () => {
  it("lists the caller's own sessions with the current one marked, never a token or its hash", async () => {
    const u = await s.user([]);
    const other = await s.user([]);
    const a = await login(s, u.username, passwordOf(u.username));
    const b = await login(s, u.username, passwordOf(u.username));
    await login(s, other.username, passwordOf(other.username));
    const list = await a.client.auth.listSessions.query();
    // The test helper logged in once too (to make the API key).
    expect(list).toHaveLength(3);
    expect(list.filter((x) => x.current)).toHaveLength(1);
    for (const x of list) expect(Object.keys(x).sort()).toEqual(["createdAt", "current", "expiresAt", "id", "lastSeenAt"]);
    const text = JSON.stringify(list);
    for (const secret of [a.hash, b.hash, a.cookie.split("=")[1]!, b.cookie.split("=")[1]!]) expect(text).not.toContain(secret);
    const mine = list.find((x) => x.current)!;
    expect(mine.expiresAt.getTime()).toBeLessThanOrEqual(Date.now() + 7 * DAY + 1000);
    // Over an API key no session is current.
    expect((await u.client.auth.listSessions.query()).some((x) => x.current)).toBe(false);
    // REST has it too.
    const rest = await fetch(`${s.url}/api/auth/sessions`, { headers: { ApiKey: u.apiKey } });
    expect(rest.status).toBe(200);
    expect(((await rest.json()) as unknown[]).length).toBe(3);
  });

  it("revokes another of one's sessions, or the current one (which clears the cookie); never someone else's", async () => {
    const u = await s.user([]);
    const other = await s.user([]);
    const a = await login(s, u.username, passwordOf(u.username));
    const b = await login(s, u.username, passwordOf(u.username));
    const theirs = await login(s, other.username, passwordOf(other.username));
    const bId = (await b.client.auth.listSessions.query()).find((x) => x.current)!.id;
    const theirId = (await theirs.client.auth.listSessions.query()).find((x) => x.current)!.id;
    expect((await errorOf(a.client.auth.revokeSession.mutate({ id: theirId }))).code).toBe("NOT_FOUND");
    expect((await theirs.client.auth.session.query())?.user.id).toBe(other.id);
    await a.client.auth.revokeSession.mutate({ id: bId });
    expect(await b.client.auth.session.query()).toBeNull();
    expect((await a.client.auth.session.query())?.user.id).toBe(u.id);
    // The current one, over raw HTTP to see the cookie being cleared.
    const aId = (await a.client.auth.listSessions.query()).find((x) => x.current)!.id;
    const res = await fetch(`${s.url}/api/trpc/auth.revokeSession`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: a.cookie },
      body: JSON.stringify({ json: { id: aId } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("set-cookie")).toMatch(/patchbay_session=;/);
    expect(await a.client.auth.session.query()).toBeNull();
    // Over REST with the key.
    const restList = (await (await fetch(`${s.url}/api/auth/sessions`, { headers: { ApiKey: u.apiKey } })).json()) as { id: string }[];
    const del = await fetch(`${s.url}/api/auth/sessions/${encodeURIComponent(restList[0]!.id)}`, { method: "DELETE", headers: { ApiKey: u.apiKey } });
    expect(del.status).toBe(204);
    expect((await fetch(`${s.url}/api/auth/sessions/${encodeURIComponent(restList[0]!.id)}`, { method: "DELETE", headers: { ApiKey: u.apiKey } })).status).toBe(404);
  });
});

describe("API keys that expire", () => {
  it("an expired key is 401 over tRPC and REST; the expiry is listed; a past expiry is refused", async () => {
    const u = await s.user([]);
    const expiresAt = new Date(Date.now() + 1500);
    const key = await u.client.auth.createApiKey.mutate({ name: "short-lived", expiresAt });
    const forever = await u.client.auth.createApiKey.mutate({ name: "forever" });
    const listed = await u.client.auth.listApiKeys.query();
    expect(listed.find((k) => k.id === key.id)?.expiresAt?.getTime()).toBe(expiresAt.getTime());
    expect(listed.find((k) => k.id === forever.id)?.expiresAt).toBeNull();
    const client = makeClient(s.url, { ApiKey: key.token });
    expect((await client.auth.session.query())?.user.id).toBe(u.id);
    await new Promise((r) => setTimeout(r, 1700));
    expect((await errorOf(client.integration.all.query())).code).toBe("UNAUTHORIZED");
    expect((await errorOf(client.integration.all.query())).httpStatus).toBe(401);
    expect((await fetch(`${s.url}/api/integrations`, { headers: { ApiKey: key.token } })).status).toBe(401);
    expect((await makeClient(s.url, { ApiKey: forever.token }).auth.session.query())?.user.id).toBe(u.id);

    const past = await errorOf(u.client.auth.createApiKey.mutate({ name: "past", expiresAt: new Date(Date.now() - 1000) }));
    expect(past).toMatchObject({ code: "BAD_REQUEST" });
    expect(past.message).toMatch(/^expiresAt: must be in the future/);
  });

  it("REST takes expiresAt as an ISO 8601 string and lists it as one", async () => {
    const u = await s.user([]);
    const when = new Date(Date.now() + 3600_000).toISOString();
    const created = await fetch(`${s.url}/api/auth/api-keys`, {
      method: "POST",
      headers: { ApiKey: u.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "rest", expiresAt: when }),
    });
    expect(created.status).toBe(200);
    const { id } = (await created.json()) as { id: string };
    const list = (await (await fetch(`${s.url}/api/auth/api-keys`, { headers: { ApiKey: u.apiKey } })).json()) as { id: string; expiresAt: string | null }[];
    expect(list.find((k) => k.id === id)?.expiresAt).toBe(when);
    const bad = await fetch(`${s.url}/api/auth/api-keys`, {
      method: "POST",
      headers: { ApiKey: u.apiKey, "content-type": "application/json" },
      body: JSON.stringify({ name: "rest", expiresAt: "next tuesday" }),
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(/^expiresAt: /);
  });
});
