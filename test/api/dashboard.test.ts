import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPihole, type PiholeEmulator } from "../../src/kinds/pihole/emulator.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { liveClient } from "../capabilities/harness.js";

/**
 * dashboard.getLayout / dashboard.saveLayout over real HTTP with @trpc/client: validation names the field
 * and writes nothing, each user has their own layout, integrations the user cannot use are refused on save
 * and dropped on read once access is gone, and the row goes with its user.
 */
let s: TestServer;
let pihole: PiholeEmulator;
let piholeId: string;
const PASSWORD = "dash-pihole-password-1";

beforeAll(async () => {
  [s, pihole] = await Promise.all([startPatchbay(), startPihole({ version: 6, password: PASSWORD })]);
  const created = (await s.admin.integration.create.mutate({ name: "Pi-hole", kind: "pihole", url: pihole.url, secrets: [{ kind: "apiKey", value: PASSWORD }] })) as { id: string };
  piholeId = created.id;
});
afterAll(async () => {
  await Promise.all([s?.close(), pihole?.close()]);
});

const rowCount = async () => Number((await s.deps.db.selectFrom("dashboardLayouts").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);

describe("dashboard layout", () => {
  it("a new user gets the default (every card, every integration, not saved)", async () => {
    const u = await s.user();
    const got = await u.client.dashboard.getLayout.query();
    expect(got.saved).toBe(false);
    expect(got.layout.cards.map((c) => c.capability)).toEqual(["downloads", "dnsHole", "mediaRequests", "mediaServer", "calendar", "indexers", "smartHome", "monitoring", "transcoding"]);
    expect(got.layout.cards.every((c) => c.integrationIds === null)).toBe(true);
    expect(got.layout.pinnedEntities).toEqual([]);
  });

  it("saves order, chosen integrations and view; each user reads only their own", async () => {
    const a = await s.user();
    const b = await s.user();
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: piholeId, permissions: [{ principalId: a.id, permission: "use" }] });
    const layout = {
      cards: [
        { capability: "dnsHole" as const, integrationIds: [piholeId] },
        { capability: "downloads" as const, integrationIds: null },
      ],
      pinnedEntities: [],
      calendarView: "month" as const,
    };
    expect(await a.client.dashboard.saveLayout.mutate(layout)).toEqual({ ok: true });
    expect(await a.client.dashboard.getLayout.query()).toEqual({ saved: true, layout });
    // b's dashboard is untouched by a's save, and b's save leaves a's as it was.
    expect((await b.client.dashboard.getLayout.query()).saved).toBe(false);
    await b.client.dashboard.saveLayout.mutate({ cards: [{ capability: "calendar", integrationIds: null }], pinnedEntities: [], calendarView: "agenda" });
    expect((await a.client.dashboard.getLayout.query()).layout).toEqual(layout);
    expect((await b.client.dashboard.getLayout.query()).layout.cards).toEqual([{ capability: "calendar", integrationIds: null }]);
    // Saving again replaces (one row per user).
    await a.client.dashboard.saveLayout.mutate({ cards: [], pinnedEntities: [], calendarView: "agenda" });
    expect((await a.client.dashboard.getLayout.query()).layout.cards).toEqual([]);
    const rows = await s.deps.db.selectFrom("dashboardLayouts").select("userId").where("userId", "in", [a.id, b.id]).execute();
    expect(rows).toHaveLength(2);
  });

  it("bad input is BAD_REQUEST naming the field, and nothing is written", async () => {
    const u = await s.user();
    const before = await rowCount();
    const cases: [unknown, string][] = [
      [{ cards: [{ capability: "weather", integrationIds: null }], pinnedEntities: [] }, "cards[0].capability"],
      [{ cards: [{ capability: "dnsHole" }, { capability: "dnsHole" }], pinnedEntities: [] }, "cards[1].capability: appears twice"],
      [{ cards: [{ capability: "dnsHole", integrationIds: [""] }] }, "cards[0].integrationIds[0]: must not be empty"],
      [{ cards: [], pinnedEntities: [{ integrationId: "x", entityId: "Not An Entity" }] }, "pinnedEntities[0].entityId: must be an entity id"],
      [{ cards: [], extra: 1 }, "input: Unrecognized key"],
      [{ cards: "all" }, "cards:"],
      [{ cards: [], calendarView: "week" }, "calendarView:"],
      [{ cards: Array.from({ length: 10 }, () => ({ capability: "dnsHole" })) }, "cards: at most 9 cards"],
    ];
    for (const [input, field] of cases) {
      const e = await errorOf(u.client.dashboard.saveLayout.mutate(input as never));
      expect(e.code, JSON.stringify(input)).toBe("BAD_REQUEST");
      expect(e.message).toContain(field);
    }
    expect(await rowCount()).toBe(before);
  });

  it("an integration the user cannot use (or whose kind lacks the card's capability) is refused with the same words", async () => {
    const u = await s.user();
    const before = await rowCount();
    const notMine = await errorOf(u.client.dashboard.saveLayout.mutate({ cards: [{ capability: "dnsHole", integrationIds: [piholeId] }], pinnedEntities: [], calendarView: "agenda" }));
    const missing = await errorOf(u.client.dashboard.saveLayout.mutate({ cards: [{ capability: "dnsHole", integrationIds: ["no-such-id"] }], pinnedEntities: [], calendarView: "agenda" }));
    expect(notMine.code).toBe("BAD_REQUEST");
    expect(notMine.message).toBe("cards[0].integrationIds[0]: no integration you can use with dnsHole has this id");
    expect(missing.message).toBe(notMine.message);
    // The admin can use the Pi-hole, but it is no download client and no smart home.
    const wrongCard = await errorOf(s.admin.dashboard.saveLayout.mutate({ cards: [{ capability: "downloads", integrationIds: [piholeId] }], pinnedEntities: [{ integrationId: piholeId, entityId: "light.kitchen" }], calendarView: "agenda" }));
    expect(wrongCard.message).toContain("cards[0].integrationIds[0]");
    expect(wrongCard.message).toContain("pinnedEntities[0].integrationId");
    expect(await rowCount()).toBe(before);
  });

  it("an integration whose access was withdrawn drops out of the layout read", async () => {
    const u = await s.user();
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: piholeId, permissions: [{ principalId: u.id, permission: "interact" }] });
    await u.client.dashboard.saveLayout.mutate({ cards: [{ capability: "dnsHole", integrationIds: [piholeId] }], pinnedEntities: [], calendarView: "agenda" });
    expect((await u.client.dashboard.getLayout.query()).layout.cards[0]!.integrationIds).toEqual([piholeId]);
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: piholeId, permissions: [] });
    expect((await u.client.dashboard.getLayout.query()).layout.cards[0]).toEqual({ capability: "dnsHole", integrationIds: [] });
  });

  it("signed-out callers are refused; the layout goes with its user", async () => {
    expect((await errorOf(s.anonymous.dashboard.getLayout.query())).code).toBe("UNAUTHORIZED");
    expect((await errorOf(s.anonymous.dashboard.saveLayout.mutate({ cards: [] }))).code).toBe("UNAUTHORIZED");
    const u = await s.user();
    await u.client.dashboard.saveLayout.mutate({ cards: [], pinnedEntities: [], calendarView: "agenda" });
    const mine = () => s.deps.db.selectFrom("dashboardLayouts").select("userId").where("userId", "=", u.id).execute();
    expect(await mine()).toHaveLength(1);
    await s.admin.user.delete.mutate({ id: u.id });
    expect(await mine()).toHaveLength(0);
  });
});

/** The first `n` emissions of dashboard.watch (or the error that ended it), over real SSE with the API key. */
function watchFor(apiKey: string, input: unknown, n: number, timeoutMs = 15_000): Promise<{ data: any[]; error?: { code: string; message: string } }> {
  const client = liveClient(s.url, apiKey);
  const data: any[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.unsubscribe();
      reject(new Error(`only ${data.length} emissions: ${JSON.stringify(data)}`));
    }, timeoutMs);
    const sub = client.dashboard.watch.subscribe(input as never, {
      onData(d) {
        data.push(d);
        if (data.length >= n) {
          clearTimeout(timer);
          sub.unsubscribe();
          resolve({ data });
        }
      },
      onError(e) {
        clearTimeout(timer);
        sub.unsubscribe();
        resolve({ data, error: { code: (e.data as { code: string })?.code, message: e.message } });
      },
    });
  });
}

describe("dashboard.watch: every card in one stream", () => {
  it("streams each card's envelopes, tagged with the capability, on the cards' own rules", async () => {
    const u = await s.user();
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: piholeId, permissions: [{ principalId: u.id, permission: "use" }] });
    pihole.counters.queries = 777;
    const { data, error } = await watchFor(u.apiKey, { cards: [{ capability: "dnsHole" }], intervalMs: 1000 }, 2);
    expect(error).toBeUndefined();
    for (const d of data) {
      expect(d.capability).toBe("dnsHole");
      expect(d.envelopes).toHaveLength(1);
      expect(d.envelopes[0].integration).toEqual({ id: piholeId, name: "Pi-hole", kind: "pihole" });
      expect(d.envelopes[0].data).toMatchObject({ status: "enabled", queriesToday: 777 });
      expect(d.envelopes[0].updatedAt).toBeInstanceOf(Date);
    }
    expect(JSON.stringify(data)).not.toContain(PASSWORD);
  });

  it("a card naming an integration the user cannot use fails alone (NOT_FOUND), the other card keeps streaming", async () => {
    const u = await s.user();
    await s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: piholeId, permissions: [{ principalId: u.id, permission: "use" }] });
    const { data } = await watchFor(u.apiKey, { cards: [{ capability: "dnsHole" }, { capability: "downloads", integrationIds: ["someone-elses"] }], intervalMs: 1000 }, 3);
    expect(data.filter((d) => d.capability === "downloads")).toEqual([{ capability: "downloads", error: { code: "NOT_FOUND", message: "Integration not found" } }]);
    expect(data.filter((d) => d.capability === "dnsHole").length).toBeGreaterThanOrEqual(2);
  });

  it("bad input is BAD_REQUEST naming the field", async () => {
    const u = await s.user();
    const cases: [unknown, string][] = [
      [{ cards: [] }, "cards: give at least one card"],
      [{ cards: [{ capability: "weather" }] }, "cards[0].capability"],
      [{ cards: [{ capability: "dnsHole" }, { capability: "dnsHole" }] }, "cards[1].capability: appears twice"],
      [{ cards: [{ capability: "calendar", start: new Date("2026-01-10"), end: new Date("2026-01-01") }] }, "cards[0].end: must be after start"],
      [{ cards: [{ capability: "smartHome", entityIds: ["Kitchen"] }] }, "cards[0].entityIds[0]"],
      [{ cards: [{ capability: "downloads", limit: 0 }] }, "cards[0].limit"],
      [{ cards: [{ capability: "dnsHole", extra: 1 }] }, "cards[0]: Unrecognized key"],
      [{ cards: [{ capability: "dnsHole" }], intervalMs: 10 }, "intervalMs"],
    ];
    for (const [input, field] of cases) {
      const { error } = await watchFor(u.apiKey, input, 1);
      expect(error?.code, JSON.stringify(input)).toBe("BAD_REQUEST");
      expect(error?.message).toContain(field);
    }
  });
});
