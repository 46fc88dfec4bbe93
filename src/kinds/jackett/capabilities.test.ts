import { afterAll, describe, expect, it } from "vitest";
import { IndexerList } from "../../engine/capabilities.js";
import type { TestContext } from "../../engine/types.js";
import { indexersOf, runCapability } from "../testing/arr-family.js";
import { startJackett, type JackettEmulator, type JackettOptions } from "./emulator.js";
import jackett from "./index.js";

const KEY = "jackettkey0123456789abcdefghijkl";
const cap = indexersOf(jackett);
const started: JackettEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

const indexers = (): JackettOptions["indexers"] => [
  { id: "1337x", name: "1337x" },
  { id: "yts", name: "YTS & Friends", lastError: "Cloudflare challenge failed" },
  { id: "rutracker", name: "RuTracker", testFails: "Login failed: the tracker rejected the stored cookie" },
];

async function emu(opts: Partial<JackettOptions> = {}) {
  const e = await startJackett({ apiKey: KEY, version: "0.24.2440", indexers: indexers(), ...opts });
  started.push(e);
  return e;
}

describe("jackett indexers", () => {
  it("without an admin password: configured indexers with health from last_error; testAll tests each, and Jackett's own list shows the outcome", async () => {
    const e = await emu();
    const before = await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.list(ctx));
    if (!before.ok) throw new Error(before.error.message);
    IndexerList.parse(before.value);
    expect(before.value.indexers).toEqual([
      { id: "1337x", name: "1337x", enabled: true, healthy: true },
      { id: "yts", name: "YTS & Friends", enabled: true, healthy: false, message: "Cloudflare challenge failed" },
      { id: "rutracker", name: "RuTracker", enabled: true, healthy: true },
    ]);

    const tested = await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.testAll(ctx));
    expect(tested).toEqual({ ok: true, value: { failed: 1 } });
    expect(e.requests.filter((r) => r.method === "POST").map((r) => r.url).sort()).toEqual([
      "/api/v2.0/indexers/1337x/test",
      "/api/v2.0/indexers/rutracker/test",
      "/api/v2.0/indexers/yts/test",
    ]);
    // The admin calls went with the session cookie, never with the key.
    for (const r of e.requests.filter((x) => x.method === "POST")) {
      expect(r.headers.cookie).toContain("Jackett=");
      expect(r.url).not.toContain(KEY);
    }

    // Jackett recorded the outcomes itself (last_error set/cleared by its Test action): the list shows them.
    const after = await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.list(ctx));
    if (!after.ok) throw new Error(after.error.message);
    expect(after.value.indexers.map((i) => [i.id, i.healthy, i.message ?? null])).toEqual([
      ["1337x", true, null],
      ["yts", true, null],
      ["rutracker", false, "Login failed: the tracker rejected the stored cookie"],
    ]);
  });

  it("with an admin password: the list comes from torznab with health unknown, and testAll says why it cannot run", async () => {
    const e = await emu({ adminPassword: true });
    const list = await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.list(ctx));
    if (!list.ok) throw new Error(list.error.message);
    expect(list.value.indexers.map((i) => [i.id, i.name, i.healthy])).toEqual([
      ["1337x", "1337x", true],
      ["yts", "YTS & Friends", true],
      ["rutracker", "RuTracker", true],
    ]);
    expect(list.value.indexers[0]!.message).toMatch(/^Health unknown: Jackett has an admin password/);
    const tested = await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.testAll(ctx));
    expect(!tested.ok && tested.error.code).toBe("INVALID_CREDENTIALS");
    expect(!tested.ok && tested.error.message).toMatch(/admin password/);
    expect(e.requests.some((r) => r.method === "POST")).toBe(false);
  });

  it("a wrong key is INVALID_CREDENTIALS before any admin call (the admin API would answer anyone)", async () => {
    const e = await emu();
    for (const read of [(ctx: TestContext): Promise<unknown> => cap.list(ctx), (ctx: TestContext): Promise<unknown> => cap.testAll(ctx)]) {
      const r = await runCapability(jackett, e.url, { apiKey: "wrong-key-0000" }, read);
      expect(!r.ok && r.error.code).toBe("INVALID_CREDENTIALS");
    }
    expect(e.requests.filter((r) => r.url.startsWith("/UI/") || r.url.startsWith("/api/v2.0/indexers?") || r.method === "POST")).toEqual([]);
  });

  it("no configured indexer is an empty list and nothing to test", async () => {
    const e = await emu({ noIndexers: true });
    expect(await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.list(ctx))).toEqual({ ok: true, value: { indexers: [] } });
    expect(await runCapability(jackett, e.url, { apiKey: KEY }, (ctx) => cap.testAll(ctx))).toEqual({ ok: true, value: { failed: 0 } });
  });

  it("another page at the URL is UNEXPECTED_RESPONSE; a closed port CONNECTION_REFUSED", async () => {
    const e = await emu();
    const wrongPath = await runCapability(jackett, `${e.url}/UI`, { apiKey: KEY }, (ctx) => cap.list(ctx));
    expect(!wrongPath.ok && wrongPath.error.code).toBe("UNEXPECTED_RESPONSE");
    const gone = await emu();
    await gone.close();
    const refused = await runCapability(jackett, gone.url, { apiKey: KEY }, (ctx) => cap.list(ctx));
    expect(!refused.ok && refused.error.code).toBe("CONNECTION_REFUSED");
  });
});
