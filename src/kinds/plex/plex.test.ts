import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startJellyfin } from "../jellyfin/emulator.js";
import { plexSample, startPlex, type PlexEmulator } from "./emulator.js";
import { closedPort, createOk, EXOTIC_QUERY, EXOTIC_STRICT, describeSearchHang, expectNoSecrets, expectTestError, startWebPage, testConn, type SecretInput } from "../testing/media-helpers.js";

const TOKEN = "plexTok-9fQ2xZr7LmW4";
const secrets: SecretInput = [{ kind: "apiKey", value: TOKEN }];

let s: TestServer;
let plex: PlexEmulator;
beforeAll(async () => {
  [s, plex] = await Promise.all([startPatchbay(), startPlex({ token: TOKEN, metadata: plexSample })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), plex?.close()]);
});

describe("plex emulator (faithful to the protocol facts)", () => {
  it("answers XML unless Accept: application/json, /identity without a token, 401 HTML otherwise", async () => {
    const xml = await fetch(`${plex.url}/identity`, { headers: { accept: "*/*" } });
    expect(xml.headers.get("content-type")).toContain("xml");
    expect(await xml.text()).toMatch(/<MediaContainer [^>]*machineIdentifier="/);
    const json = await fetch(`${plex.url}/identity`, { headers: { accept: "application/json" } });
    expect((await json.json()).MediaContainer.version).toBe("1.41.3.9314-a0bfb8370");
    const denied = await fetch(`${plex.url}/`, { headers: { accept: "application/json", "x-plex-token": "nope" } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("content-type")).toContain("text/html");
    expect(await denied.text()).toContain("Unauthorized");
  });
});

describe("plex kind over the API", () => {
  it("is in the catalog with the contract's data", async () => {
    const kinds = await s.anonymous.integration.getKinds.query();
    const plexKind = kinds.find((k) => k.kind === "plex")!;
    expect(plexKind).toMatchObject({
      name: "Plex",
      categories: ["mediaServer", "search"],
      secretOptions: [["apiKey"]],
      defaultPort: 32400,
      supportsSearch: true,
      iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/plex.svg",
    });
    // Contract §8: the seed's kinds lead the catalog, in this order.
    expect(kinds.map((k) => k.kind).slice(0, 5)).toEqual(["plex", "jellyfin", "emby", "overseerr", "jellyseerr"]);
  });

  it("creates an integration and tests it: ok with the version, token sent as a header only", async () => {
    const id = await createOk(s, "plex", plex.url, secrets);
    expect(id).toBeTruthy();
    plex.requests.length = 0;
    const r = await testConn(s, "plex", plex.url, secrets);
    expect(r).toEqual({ ok: true, version: "1.41.3.9314-a0bfb8370" });
    // The token went in X-Plex-Token and proved itself on an endpoint that needs it (not only /identity).
    const authed = plex.requests.filter((q) => q.headers["x-plex-token"] === TOKEN);
    expect(authed.map((q) => new URL(q.url, "http://x").pathname)).toContain("/");
    expect(plex.requests.every((q) => !q.url.includes(TOKEN))).toBe(true);
    expect(plex.requests.every((q) => String(q.headers.accept).includes("application/json"))).toBe(true);
  });

  it("a wrong token is INVALID_CREDENTIALS even though /identity answers without one", async () => {
    const bad: SecretInput = [{ kind: "apiKey", value: "wrong-token-Q7" }];
    const err = await expectTestError(s, "plex", plex.url, bad, "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/X-Plex-Token/);
    const created = await s.admin.integration.create.mutate({ name: "bad plex", kind: "plex", url: plex.url, secrets: bad });
    expect(created).toMatchObject({ error: { code: "INVALID_CREDENTIALS" } });
  });

  it("another service is UNEXPECTED_RESPONSE naming what answered", async () => {
    const jf = await startJellyfin({ apiKey: TOKEN });
    const web = await startWebPage("Router login");
    try {
      const e1 = await expectTestError(s, "plex", jf.url, secrets, "UNEXPECTED_RESPONSE");
      expect(e1.message).toMatch(/not answer like Plex/);
      const e2 = await expectTestError(s, "plex", web.url, secrets, "UNEXPECTED_RESPONSE");
      expect(e2.message).toContain('HTML page titled "Router login"');
    } finally {
      await Promise.all([jf.close(), web.close()]);
    }
  });

  it("a closed port is CONNECTION_REFUSED", async () => {
    await expectTestError(s, "plex", `http://127.0.0.1:${await closedPort()}`, secrets, "CONNECTION_REFUSED");
  });

  it("an old server is UNSUPPORTED_VERSION", async () => {
    const old = await startPlex({ token: TOKEN, version: "1.19.5.3112-b23ab3896" });
    try {
      const err = await expectTestError(s, "plex", old.url, secrets, "UNSUPPORTED_VERSION");
      expect(err.details).toMatchObject({ version: "1.19.5.3112-b23ab3896" });
    } finally {
      await old.close();
    }
  });

  it("searches: hubs flattened into results with links into Plex Web, query strictly encoded, no token leaked", async () => {
    const integrationId = await createOk(s, "plex", plex.url, secrets);
    plex.searches.length = 0;
    const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY });
    expect(plex.searches).toEqual([EXOTIC_STRICT]);
    const mid = plex.state.machineIdentifier;
    expect(results).toEqual([
      {
        id: "4711",
        name: `Schindler's List (1993) & "quotes" (1993)`,
        link: `${plex.url}/web/index.html#!/server/${mid}/details?key=%2Flibrary%2Fmetadata%2F4711`,
        text: "A test movie with an exotic title.",
        type: "movie",
      },
      {
        id: "815",
        name: "Some Show – Schindler's Pilot",
        link: `${plex.url}/web/index.html#!/server/${mid}/details?key=%2Flibrary%2Fmetadata%2F815`,
        image: "https://metadata-static.plex.tv/x/y.jpg",
        text: "TV Shows",
        type: "episode",
      },
    ]);
    expect(JSON.stringify(results)).not.toContain(TOKEN);
  });

  it("search against a stopped server is BAD_GATEWAY without secrets", async () => {
    const gone = await startPlex({ token: TOKEN });
    const integrationId = await createOk(s, "plex", gone.url, secrets);
    await gone.close();
    const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: "x" }));
    expect(err.code).toBe("BAD_GATEWAY");
    expect(err.message).toMatch(/Nothing is listening/);
    expectNoSecrets(s, err, secrets);
  });
});

describeSearchHang("plex", secrets, () => startPlex({ token: TOKEN, metadata: plexSample }), (e) => void (e.state.hang = true));
