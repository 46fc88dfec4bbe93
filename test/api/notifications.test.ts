import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator, type ArrOptions } from "../../src/kinds/arr-family/emulator.js";
import { startFakeServer, type FakeServer, type Recorded } from "../../src/kinds/testing/server.js";
import { Keyring, generateKeyHex, keyFromHex } from "../../src/crypto/keyring.js";
import { unreadableSecrets } from "../../src/services/key-rotation.js";
import { listTargets, notifyEvent, settleNotifications } from "../../src/services/notifications.js";
import { rotateSecrets } from "../../src/services/secrets.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * notification.*: admin-only targets, each type's body as its service documents it (src/services/notifications.ts
 * cites the docs), recorded deliveries with retries, and canary secrets that never reach a body or a response.
 */
const CANARY_KEY = "canary-integration-key-5e1d";
const CANARY_NTFY = "tk_canaryntfytoken0042";
const CANARY_GOTIFY = "AcanaryGotifyToken77";
const CANARY_HOOK = "canary-hook-secret-9b";
const DISCORD_TOKEN = "canaryDiscordWebhookToken_abcdef";

let s: TestServer;
let rx: FakeServer;
let sonarrOpts: ArrOptions;
let sonarr: ArrEmulator;
/** Paths that answer 500 for the next N requests. */
const failNext = new Map<string, number>();

beforeAll(async () => {
  sonarrOpts = { app: "Sonarr", apiKey: CANARY_KEY };
  [s, rx, sonarr] = await Promise.all([
    startPatchbay(),
    startFakeServer((req, res) => {
      const path = new URL(req.url, "http://x").pathname;
      const left = failNext.get(path) ?? 0;
      if (left > 0) {
        failNext.set(path, left - 1);
        res.writeHead(500);
        res.end("boom");
        return;
      }
      res.writeHead(path === "/slack" ? 200 : 204);
      res.end(path === "/slack" ? "ok" : undefined);
    }),
    // Options are read per request: the test keeps the object to switch the key.
    startArr(sonarrOpts),
  ]);
}, 60_000);

afterAll(async () => {
  await settleNotifications(s.deps);
  await Promise.all([s?.close(), rx?.close(), sonarr?.close()]);
});

const at = (path: string): Recorded[] => rx.requests.filter((r) => new URL(r.url, "http://x").pathname === path);

describe("notification targets", () => {
  it("are admin-only", async () => {
    const manager = await s.user(["integration-full-all", "user-manage"]);
    // One call at a time: promises made up front reject while the loop still awaits an earlier one, and
    // Node reports those rejections as unhandled (vitest then fails the run).
    for (const call of [
      () => manager.client.notification.list.query(),
      () => manager.client.notification.create.mutate({ name: "x", type: "webhook", url: `${rx.url}/x` }),
      () => manager.client.notification.test.mutate({ id: "x" }),
      () => manager.client.notification.delete.mutate({ id: "x" }),
      () => manager.client.notification.update.mutate({ id: "x", name: "y" }),
    ]) {
      expect((await errorOf(call())).code).toBe("FORBIDDEN");
    }
    expect((await errorOf(s.anonymous.notification.list.query())).code).toBe("UNAUTHORIZED");
  });

  it("bad input is a 400 naming the field, and nothing is written", async () => {
    const cases: [unknown, RegExp][] = [
      [{ name: "a", type: "email", url: `${rx.url}/a` }, /^type:/],
      [{ name: "a", type: "webhook", url: "ftp://example.test/x" }, /^url:/],
      [{ name: "a", type: "webhook", url: "http://user:pw@127.0.0.1/x" }, /^url:/],
      [{ name: "", type: "webhook", url: `${rx.url}/a` }, /^name:/],
      [{ name: "a", type: "gotify", url: rx.url }, /^secret:/],
      [{ name: "a", type: "discord", url: `${rx.url}/api/webhooks/1/t`, secret: "x" }, /^secret:/],
      [{ name: "a", type: "ntfy", url: rx.url }, /^url:/],
      [{ name: "a", type: "webhook", url: `${rx.url}/a`, events: ["integration.exploded"] }, /^events\[0\]:/],
      [{ name: "a", type: "webhook", url: `${rx.url}/a`, extra: 1 }, /extra|Unrecognized/i],
    ];
    for (const [input, message] of cases) {
      const e = await errorOf(s.admin.notification.create.mutate(input as never));
      expect(e.code, JSON.stringify(input)).toBe("BAD_REQUEST");
      expect(e.message, JSON.stringify(input)).toMatch(message);
    }
    expect(await s.admin.notification.list.query()).toEqual([]);
    expect((await errorOf(s.admin.notification.update.mutate({ id: "missing", name: "x" }))).code).toBe("NOT_FOUND");
    expect((await errorOf(s.admin.notification.test.mutate({ id: "missing" }))).code).toBe("NOT_FOUND");
  });

  it("secrets are sealed at rest and never listed; token-bearing URLs are shortened", async () => {
    const hook = await s.admin.notification.create.mutate({ name: "Hook", type: "webhook", url: `${rx.url}/hook`, secret: CANARY_HOOK });
    const discord = await s.admin.notification.create.mutate({ name: "Discord", type: "discord", url: `${rx.url}/api/webhooks/123/${DISCORD_TOKEN}` });
    const list = await s.admin.notification.list.query();
    const text = JSON.stringify(list);
    for (const canary of [CANARY_HOOK, DISCORD_TOKEN]) expect(text).not.toContain(canary);
    expect(list.find((t) => t.id === hook.id)).toMatchObject({ name: "Hook", type: "webhook", url: `${rx.url}/hook`, hasSecret: true, events: ["integration.failing", "integration.recovered", "certificate.expiring"] });
    expect(list.find((t) => t.id === discord.id)).toMatchObject({ hasSecret: false, url: `${rx.url}/api/webhooks/123/can…` });
    const rows = await s.deps.db.selectFrom("notificationTargets").selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(CANARY_HOOK);
    expect(JSON.stringify(rows)).not.toContain(DISCORD_TOKEN);
    await s.admin.notification.delete.mutate({ id: discord.id });
    await s.admin.notification.delete.mutate({ id: hook.id });
    expect(await s.admin.notification.list.query()).toEqual([]);
  });

  it("send test: one recorded delivery; a failing target is recorded as failed with its status", async () => {
    const { id } = await s.admin.notification.create.mutate({ name: "Test hook", type: "webhook", url: `${rx.url}/test-hook` });
    const ok = await s.admin.notification.test.mutate({ id });
    expect(ok).toMatchObject({ event: "test", status: "delivered", attempts: 1, responseStatus: 204, error: null });
    const [req] = at("/test-hook");
    expect(req!.method).toBe("POST");
    expect(JSON.parse(req!.body)).toEqual({ event: "test", at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
    expect(req!.headers["x-patchbay-signature"]).toBeUndefined(); // no secret, no signature

    failNext.set("/test-hook", 1);
    const bad = await s.admin.notification.test.mutate({ id });
    expect(bad).toMatchObject({ status: "failed", attempts: 1, responseStatus: 500, error: "The target answered HTTP 500" });
    const listed = (await s.admin.notification.list.query()).find((t) => t.id === id)!;
    expect(listed.deliveries.map((d) => d.status)).toEqual(["failed", "delivered"]);

    // A closed port: a transport error, recorded without the address's path.
    await s.admin.notification.update.mutate({ id, url: "http://127.0.0.1:1/secret-path-token" });
    const refused = await s.admin.notification.test.mutate({ id });
    expect(refused.status).toBe("failed");
    expect(refused.error).toMatch(/Nothing is listening/);
    expect(refused.error).not.toContain("secret-path-token");
    await s.admin.notification.delete.mutate({ id });
    expect((await errorOf(s.admin.notification.test.mutate({ id }))).code).toBe("NOT_FOUND");
  });

  it("events: a failed delivery is retried with backoff and recorded; audit only for targets that asked", async () => {
    const retried = await s.admin.notification.create.mutate({ name: "Flaky", type: "webhook", url: `${rx.url}/flaky`, events: ["audit"] });
    const quiet = await s.admin.notification.create.mutate({ name: "No audit", type: "webhook", url: `${rx.url}/quiet` });
    await settleNotifications(s.deps); // the audit entries of those two creations go out first
    const actions = (path: string) => at(path).map((r) => (JSON.parse(r.body) as { audit?: { action?: string } }).audit?.action);
    // The server's own audit entries reach the target that asked for "audit" (src/server/app.ts wires them):
    // its own creation and the quiet one's.
    expect(actions("/flaky").filter((a) => a === "notification.create")).toHaveLength(2);
    const before = at("/flaky").length;
    failNext.set("/flaky", 1);
    const started = Date.now();
    await notifyEvent(s.deps, "audit", { audit: { action: "integration.create", actor: { type: "user", name: "admin" }, target: { type: "integration", id: "i1", name: "Sonarr" } } });
    await settleNotifications(s.deps);
    expect(at("/flaky")).toHaveLength(before + 2); // one failure, one retry
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // the first backoff step is 1 s
    expect(JSON.parse(at("/flaky").at(-1)!.body)).toMatchObject({ event: "audit", audit: { action: "integration.create" } });
    expect(at("/quiet")).toHaveLength(0);
    const d = (await s.admin.notification.list.query()).find((t) => t.id === retried.id)!.deliveries;
    expect(d.find((x) => x.attempts === 2)).toMatchObject({ event: "audit", status: "delivered", attempts: 2, responseStatus: 204 });

    // Narrowing the events of the quiet target to audit makes it receive the next one.
    await s.admin.notification.update.mutate({ id: quiet.id, events: ["audit"] });
    await notifyEvent(s.deps, "audit", { audit: { action: "user.create", actor: { type: "user", name: "admin" } } });
    await settleNotifications(s.deps);
    expect(actions("/quiet")).toContain("user.create");
    await s.admin.notification.delete.mutate({ id: retried.id });
    await s.admin.notification.delete.mutate({ id: quiet.id });
  }, 20_000);

  it("every type gets its documented body when an integration fails; no canary secret in any body", async () => {
    const targets = [
      { name: "hook", type: "webhook" as const, url: `${rx.url}/all-hook`, secret: CANARY_HOOK },
      { name: "ntfy", type: "ntfy" as const, url: `${rx.url}/patchbay-alerts`, secret: CANARY_NTFY },
      { name: "gotify", type: "gotify" as const, url: `${rx.url}/gotify`, secret: CANARY_GOTIFY },
      { name: "discord", type: "discord" as const, url: `${rx.url}/api/webhooks/42/${DISCORD_TOKEN}` },
      { name: "slack", type: "slack" as const, url: `${rx.url}/slack` },
    ];
    const ids = [];
    for (const t of targets) ids.push((await s.admin.notification.create.mutate(t)).id);
    const { id } = (await s.admin.integration.create.mutate({ name: "Sonarr <@everyone>", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: CANARY_KEY }] })) as { id: string };
    sonarrOpts.apiKey = "rotated-upstream";
    expect(await s.admin.integration.checkNow.mutate({ id })).toMatchObject({ status: "failing", code: "INVALID_CREDENTIALS" });
    expect(at("/all-hook")).toHaveLength(0); // one failure is not yet "failing" for notifications
    await s.admin.integration.checkNow.mutate({ id });
    await settleNotifications(s.deps);

    const hook = JSON.parse(at("/all-hook")[0]!.body);
    expect(hook).toMatchObject({ event: "integration.failing", integration: { id, name: "Sonarr <@everyone>", kind: "sonarr" }, health: { status: "failing", code: "INVALID_CREDENTIALS" } });

    const [ntfy] = at("/patchbay-alerts");
    expect(ntfy!.headers.title).toBe("Sonarr <@everyone> is failing");
    expect(ntfy!.headers.priority).toBe("high");
    expect(ntfy!.headers.tags).toBe("warning");
    expect(ntfy!.headers.authorization).toBe(`Bearer ${CANARY_NTFY}`);
    expect(ntfy!.body).toMatch(/^Sonarr <@everyone> \(sonarr\) is failing \(INVALID_CREDENTIALS\): /);

    const [gotify] = at("/gotify/message");
    expect(gotify!.headers["x-gotify-key"]).toBe(CANARY_GOTIFY);
    expect(JSON.parse(gotify!.body)).toEqual({ title: "Sonarr <@everyone> is failing", message: expect.stringContaining("INVALID_CREDENTIALS"), priority: 8 });

    const [discord] = at(`/api/webhooks/42/${DISCORD_TOKEN}`);
    expect(JSON.parse(discord!.body)).toEqual({ content: expect.stringMatching(/^\*\*Sonarr <@everyone> is failing\*\*\n/), username: "Patchbay", allowed_mentions: { parse: [] } });

    const [slack] = at("/slack");
    expect(JSON.parse(slack!.body).text).toMatch(/^\*Sonarr &lt;@everyone&gt; is failing\*\n/);

    for (const r of rx.requests) {
      for (const canary of [CANARY_KEY, CANARY_HOOK, CANARY_NTFY, CANARY_GOTIFY, DISCORD_TOKEN]) expect(r.body, `${r.url} body`).not.toContain(canary);
    }
    // Recovery reaches every target once.
    sonarrOpts.apiKey = CANARY_KEY;
    expect(await s.admin.integration.checkNow.mutate({ id })).toMatchObject({ status: "ok" });
    await settleNotifications(s.deps);
    expect(JSON.parse(at("/all-hook")[1]!.body)).toMatchObject({ event: "integration.recovered", integration: { id } });
    expect(at("/slack")).toHaveLength(2);
    for (const tid of ids) await s.admin.notification.delete.mutate({ id: tid });
  }, 20_000);

  // Last: it re-keys this server's database.
  it("key rotation re-seals target URLs and secrets; afterwards they open with the new key alone", async () => {
    const { id } = await s.admin.notification.create.mutate({ name: "Rotated", type: "ntfy", url: `${rx.url}/rotated-topic`, secret: CANARY_NTFY });
    const newKey = keyFromHex(generateKeyHex(), "test");
    const only = new Keyring(newKey);
    expect((await unreadableSecrets(s.deps.db, only)).some((b) => b.integrationId === `notification target ${id}`)).toBe(true);
    await rotateSecrets(s.deps.db, new Keyring(newKey, [s.deps.keyring.current]));
    expect(await unreadableSecrets(s.deps.db, only)).toEqual([]);
    const t = (await listTargets({ ...s.deps, keyring: only })).find((x) => x.id === id);
    expect(t).toMatchObject({ id, url: `${rx.url}/rot…`, hasSecret: true });
  });
});
