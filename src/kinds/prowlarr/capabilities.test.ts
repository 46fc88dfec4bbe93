import { afterAll, describe, expect, it } from "vitest";
import { IndexerList } from "../../engine/capabilities.js";
import { startArr, type ArrEmulator, type ArrOptions } from "../arr-family/emulator.js";
import { expectArrFailures, indexersOf, runCapability } from "../testing/arr-family.js";
import prowlarr from "./index.js";

const KEY = "prowlarr-ix-key-0123456789abcdef";
const cap = indexersOf(prowlarr);
const started: ArrEmulator[] = [];
afterAll(() => Promise.all(started.map((e) => e.close())));

// IndexerResource / IndexerStatusResource / HealthResource (Prowlarr/Prowlarr src/Prowlarr.Api.V1/…, v1.0.0.2171 / v2.3.5.5327).
const setup = (): Pick<ArrOptions, "indexers" | "indexerStatus" | "health"> => ({
  indexers: [
    { id: 1, name: "1337x", enable: true, protocol: "torrent", implementation: "Cardigann" },
    { id: 2, name: "NZBgeek", enable: true, protocol: "usenet", testFails: "Invalid API key for NZBgeek" },
    { id: 3, name: "Old Tracker", enable: false, protocol: "torrent" },
    { id: 4, name: "Flaky", enable: true, protocol: "torrent" },
  ],
  indexerStatus: [{ id: 1, indexerId: 4, disabledTill: "2000-01-01T00:00:00Z", mostRecentFailure: "2000-01-01T00:00:00Z" }],
  health: [{ source: "IndexerLongTermStatusCheck", type: "warning", message: "Indexers unavailable due to failures for more than 6 hours: Flaky", wikiUrl: "https://wiki.servarr.com/prowlarr/system#indexers-are-unavailable-due-to-failures" }],
});

async function emu(version: string) {
  const e = await startArr({ app: "Prowlarr", apiKey: KEY, version, ...setup() });
  started.push(e);
  return e;
}

describe("prowlarr indexers", () => {
  for (const version of ["1.0.0.2171", "2.3.5.5327"]) {
    it(`Prowlarr ${version}: list with health from indexerstatus and the health checks; testAll counts failures and they show afterwards`, async () => {
      const e = await emu(version);
      const before = await runCapability(prowlarr, e.url, { apiKey: KEY }, (ctx) => cap.list(ctx));
      if (!before.ok) throw new Error(before.error.message);
      IndexerList.parse(before.value);
      expect(before.value.indexers).toEqual([
        { id: "1", name: "1337x", enabled: true, healthy: true },
        { id: "2", name: "NZBgeek", enabled: true, healthy: true },
        { id: "3", name: "Old Tracker", enabled: false, healthy: false, message: "Disabled in Prowlarr." },
        // The back-off ended long ago, but the long-term health check still names it.
        { id: "4", name: "Flaky", enabled: true, healthy: false, message: "Indexers unavailable due to failures for more than 6 hours: Flaky" },
      ]);

      const tested = await runCapability(prowlarr, e.url, { apiKey: KEY }, (ctx) => cap.testAll(ctx));
      expect(tested).toEqual({ ok: true, value: { failed: 1 } });
      expect(e.requests.filter((r) => r.method === "POST").map((r) => r.url)).toEqual(["/api/v1/indexer/testall"]);

      // The failed test is now recorded by Prowlarr itself (its indexerstatus), so the list shows it.
      const after = await runCapability(prowlarr, e.url, { apiKey: KEY }, (ctx) => cap.list(ctx));
      if (!after.ok) throw new Error(after.error.message);
      expect(after.value.indexers[1]).toMatchObject({ id: "2", healthy: false, message: expect.stringMatching(/^Disabled after failures until /) });
    });
  }

  it("testAll with every indexer passing answers 200 and failed 0", async () => {
    const e = await startArr({ app: "Prowlarr", apiKey: KEY, version: "2.3.5.5327", indexers: [{ id: 1, name: "A", enable: true }] });
    started.push(e);
    expect(await runCapability(prowlarr, e.url, { apiKey: KEY }, (ctx) => cap.testAll(ctx))).toEqual({ ok: true, value: { failed: 0 } });
  });

  it("list: a wrong key, a 5xx, a malformed answer and a closed port give their codes", () =>
    expectArrFailures(prowlarr, (o) => startArr({ app: "Prowlarr", apiKey: KEY, ...setup(), ...o }), KEY, (ctx) => cap.list(ctx)));

  it("testAll: the same failures give the same codes (a 5xx is not a count)", () =>
    expectArrFailures(prowlarr, (o) => startArr({ app: "Prowlarr", apiKey: KEY, ...setup(), ...o }), KEY, (ctx) => cap.testAll(ctx)));
});
