import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { sampleJackettResults, startJackett, type JackettEmulator, type JackettOptions } from "./emulator.js";
import type { FakeServer } from "../testing/server.js";
import { describeSearchHang } from "../testing/media-helpers.js";
import { closedPort, createIntegration, EXOTIC, EXOTIC_ENCODED, expectNoSecret, expectStrictlyEncoded, expectTestError, startHtmlPage, testConnection } from "../testing/kind-helpers.js";

const KEY = "jackettkey0123456789abcdefghijklm";
const WRONG = "wrongkey9876543210zyxwvutsrqponm";
const secrets = [{ kind: "apiKey" as const, value: KEY }];

let s: TestServer;
let jackett: JackettEmulator;
const extra: FakeServer[] = [];

beforeAll(async () => {
  s = await startPatchbay();
  jackett = await startJackett({ apiKey: KEY, version: "0.22.2184", results: sampleJackettResults });
});
afterAll(async () => {
  await Promise.all([jackett?.close(), ...extra.map((e) => e.close())]);
  await s?.close();
});

async function emulator(opts: Omit<JackettOptions, "apiKey">) {
  const e = await startJackett({ apiKey: KEY, ...opts });
  extra.push(e);
  return e;
}

describe("jackett: connection test", () => {
  it("is in the catalog: indexerManager + search, apiKey, port 9117", async () => {
    const entry = (await s.anonymous.integration.getKinds.query()).find((k) => k.kind === "jackett");
    expect(entry).toMatchObject({ name: "Jackett", categories: ["indexerManager", "search"], secretOptions: [["apiKey"]], defaultPort: 9117, supportsSearch: true });
  });

  it("proves the key with torznab caps and reports the version from the admin API; create returns an id", async () => {
    expect(await testConnection(s, "jackett", jackett.url, secrets)).toEqual({ ok: true, version: "0.22.2184" });
    const caps = jackett.requests.find((r) => r.url.startsWith("/api/v2.0/indexers/all/results/torznab/api"))!;
    expect(caps.url).toBe(`/api/v2.0/indexers/all/results/torznab/api?apikey=${KEY}&t=caps`);
    expect(await createIntegration(s, "Jackett", "jackett", jackett.url, secrets)).toEqual(expect.any(String));
  });

  it("with an admin password the version is unavailable (login redirect), and the test still succeeds", async () => {
    const e = await emulator({ adminPassword: true });
    expect(await testConnection(s, "jackett", e.url, secrets)).toEqual({ ok: true });
    // The redirect to the login page was followed on the same origin, and gave HTML, not a version.
    expect(e.requests.map((r) => r.url.split("?")[0])).toContain("/UI/Login");
  });

  it("with no indexer configured (torznab error 201) the key still counts as proven", async () => {
    const e = await emulator({ noIndexers: true, version: "0.21.1000" });
    expect(await testConnection(s, "jackett", e.url, secrets)).toEqual({ ok: true, version: "0.21.1000" });
  });

  it("a wrong key (torznab error 100 inside an HTTP 200) is INVALID_CREDENTIALS, without either key in the message", async () => {
    const before = jackett.requests.length;
    const error = await expectTestError(s, "jackett", jackett.url, [{ kind: "apiKey", value: WRONG }], "INVALID_CREDENTIALS");
    expect(error.details?.statusCode).toBe(200);
    expect(error.message).toMatch(/API key/i);
    expect(error.message).toMatch(/dashboard/);
    expectNoSecret(error, [KEY, WRONG]);
    // The emulator really answered 200 with the XML error, as Jackett does.
    const sent = jackett.requests.slice(before);
    expect(sent.map((r) => r.url)).toEqual([`/api/v2.0/indexers/all/results/torznab/api?apikey=${WRONG}&t=caps`]);
  });

  it("Sonarr given to the jackett kind (same key) is UNEXPECTED_RESPONSE", async () => {
    const sonarr = await startArr({ app: "Sonarr", apiKey: KEY });
    extra.push(sonarr);
    const error = await expectTestError(s, "jackett", sonarr.url, secrets, "UNEXPECTED_RESPONSE");
    expect(error.message).toMatch(/does not answer like Jackett/);
  });

  it("an HTML page is UNEXPECTED_RESPONSE", async () => {
    const page = await startHtmlPage();
    extra.push(page);
    await expectTestError(s, "jackett", page.url, secrets, "UNEXPECTED_RESPONSE");
  });

  it("a closed port is CONNECTION_REFUSED", async () => {
    const port = await closedPort();
    await expectTestError(s, "jackett", `http://127.0.0.1:${port}`, secrets, "CONNECTION_REFUSED");
  });
});

describe("jackett: search", () => {
  it("maps JSON results (most seeders first) with links into Jackett's dashboard search, query strictly percent-encoded", async () => {
    const integrationId = await createIntegration(s, "Jackett search", "jackett", jackett.url, secrets);
    const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC });
    expect(results).toEqual([
      {
        id: "https://yts.example/torrent/2",
        name: "Schindler's List (1993) 2160p UHD",
        link: `${jackett.url}/UI/Dashboard#search=${EXOTIC_ENCODED}&tracker=yts`,
        image: "https://yts.example/poster.jpg",
        text: "YTS · 8.0 GiB · 80 seeders · 2024-05-02",
        type: "Movies/UHD",
      },
      {
        id: "https://1337x.example/torrent/1/",
        name: "Schindlers.List.1993.1080p.BluRay.x264",
        link: `${jackett.url}/UI/Dashboard#search=${EXOTIC_ENCODED}&tracker=1337x`,
        text: "1337x · 3.0 GiB · 12 seeders · 2024-03-01",
        type: "Movies/HD",
      },
    ]);
    // Jackett's download links carry the key (jackett_apikey=…); none of that reaches the results.
    expectNoSecret(results, [KEY]);
    expectStrictlyEncoded(jackett.queries.at(-1));
    const last = jackett.requests.filter((r) => r.url.startsWith("/api/v2.0/indexers/all/results?")).at(-1)!;
    expect(last.url).toBe(`/api/v2.0/indexers/all/results?apikey=${KEY}&Query=${EXOTIC_ENCODED}`);
  });

  it("with no indexer configured (JSON 404, torznab 201) the search answers an empty list", async () => {
    const e = await emulator({ noIndexers: true });
    const integrationId = await createIntegration(s, "Jackett empty", "jackett", e.url, secrets);
    expect(await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC })).toEqual([]);
  });

  it("a service that went away is BAD_GATEWAY", async () => {
    const gone = await startJackett({ apiKey: KEY });
    const integrationId = await createIntegration(s, "Jackett gone", "jackett", gone.url, secrets);
    await gone.close();
    const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC }));
    expect(err.code).toBe("BAD_GATEWAY");
    expect(err.message).toMatch(/Nothing is listening/);
    expectNoSecret(err.message, [KEY]);
  });

  it("no key appeared in Patchbay's logs", () => {
    expectNoSecret(s.logs.join("\n"), [KEY, WRONG]);
  });
});

let hanging: JackettOptions; // the emulator reads its options per request
describeSearchHang("jackett", secrets, () => startJackett((hanging = { apiKey: KEY, results: sampleJackettResults })), () => void (hanging.hang = true));
