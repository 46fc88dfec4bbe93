import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { embyHints, startEmby, type EmbyEmulator } from "./emulator.js";
import { startJellyfin } from "../jellyfin/emulator.js";
import { closedPort, createOk, EXOTIC_QUERY, EXOTIC_STRICT, describeSearchHang, expectNoSecrets, expectTestError, testConn, type SecretInput } from "../testing/media-helpers.js";

const KEY = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
const secrets: SecretInput = [{ kind: "apiKey", value: KEY }];

let s: TestServer;
let emby: EmbyEmulator;
beforeAll(async () => {
  [s, emby] = await Promise.all([startPatchbay(), startEmby({ apiKey: KEY, hints: embyHints })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), emby?.close()]);
});

describe("emby emulator (faithful to the protocol facts)", () => {
  it("Ping and Info/Public need no key and carry no ProductName; Info needs the key", async () => {
    expect((await fetch(`${emby.url}/emby/System/Ping`)).status).toBe(200);
    const pub = await (await fetch(`${emby.url}/emby/System/Info/Public`)).json();
    expect(pub.Version).toBe("4.8.10.0");
    expect(pub.ProductName).toBeUndefined();
    expect((await fetch(`${emby.url}/emby/System/Info`, { headers: { "x-emby-token": "wrong" } })).status).toBe(401);
  });

  it("4.7+ answer Search/Hints 404 and search through Items (Recursive=true), 4.6 still has Search/Hints", async () => {
    const hints = (url: string) => fetch(`${url}/emby/Search/Hints?SearchTerm=Schindler`, { headers: { "x-emby-token": KEY } });
    expect((await hints(emby.url)).status).toBe(404);
    const items = await (await fetch(`${emby.url}/emby/Items?SearchTerm=Schindler&Recursive=true`, { headers: { "x-emby-token": KEY } })).json();
    expect(items.Items.map((i: { Id: string }) => i.Id)).toEqual(["3471", "52", "53"]);
    const top = await (await fetch(`${emby.url}/emby/Items?SearchTerm=Schindler`, { headers: { "x-emby-token": KEY } })).json();
    expect(top.Items).toEqual([]);
    const old = await startEmby({ apiKey: KEY, version: "4.6.7.0", hints: embyHints });
    try {
      const res = await hints(old.url);
      expect(res.status).toBe(200);
      expect((await res.json()).SearchHints[0]).toMatchObject({ Id: "3471", PrimaryImageTag: "b2c3" });
    } finally {
      await old.close();
    }
  });
});

describe("emby kind over the API", () => {
  it("is in the catalog with the contract's data", async () => {
    const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === "emby")!;
    expect(k).toMatchObject({ name: "Emby", categories: ["mediaServer", "search"], secretOptions: [["apiKey"]], defaultPort: 8096, supportsSearch: true });
  });

  it("create + test ok with the version; the key proven on /emby/System/Info with X-Emby-Token", async () => {
    await createOk(s, "emby", emby.url, secrets);
    emby.requests.length = 0;
    expect(await testConn(s, "emby", emby.url, secrets)).toEqual({ ok: true, version: "4.8.10.0" });
    const info = emby.requests.find((q) => q.url === "/emby/System/Info");
    expect(info?.headers["x-emby-token"]).toBe(KEY);
    expect(info?.headers.authorization).toMatch(/^Emby Client="Patchbay", Device="Patchbay", DeviceId="[^"]+", Version="[^"]+"$/);
  });

  it("a wrong key is INVALID_CREDENTIALS although Ping/Info/Public would pass", async () => {
    const err = await expectTestError(s, "emby", emby.url, [{ kind: "apiKey", value: "ffffffffffffffffffffffffffffffff" }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/Emby → Settings/);
  });

  it("a Jellyfin server or an *arr is UNEXPECTED_RESPONSE naming what answered", async () => {
    const jf = await startJellyfin({ apiKey: KEY });
    const arr = await startArr({ app: "Radarr", apiKey: KEY });
    try {
      const e1 = await expectTestError(s, "emby", jf.url, secrets, "UNEXPECTED_RESPONSE");
      expect(e1.message).toMatch(/This is Jellyfin, not Emby/);
      const e2 = await expectTestError(s, "emby", arr.url, secrets, "UNEXPECTED_RESPONSE");
      expect(e2.message).toContain('HTML page titled "Radarr"');
    } finally {
      await Promise.all([jf.close(), arr.close()]);
    }
  });

  it("a closed port is CONNECTION_REFUSED", async () => {
    await expectTestError(s, "emby", `http://127.0.0.1:${await closedPort()}`, secrets, "CONNECTION_REFUSED");
  });

  it("Emby 3.x is UNSUPPORTED_VERSION", async () => {
    const old = await startEmby({ apiKey: KEY, version: "3.5.3.0" });
    try {
      const err = await expectTestError(s, "emby", old.url, secrets, "UNSUPPORTED_VERSION");
      expect(err.details).toMatchObject({ version: "3.5.3.0", minVersion: "4.0" });
    } finally {
      await old.close();
    }
  });

  it("searches: mapped hints with links into Emby's web UI, query strictly encoded", async () => {
    const integrationId = await createOk(s, "emby", emby.url, secrets);
    emby.searches.length = 0;
    const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY });
    expect(emby.searches).toEqual([EXOTIC_STRICT]);
    const sid = emby.state.serverId;
    expect(results).toEqual([
      {
        id: "3471",
        name: `Schindler's List (1993) & "quotes" (1993)`,
        link: `${emby.url}/web/index.html#!/item?id=3471&serverId=${sid}`,
        image: `${emby.url}/emby/Items/3471/Images/Primary?tag=b2c3`,
        text: "1993",
        type: "Movie",
      },
      { id: "52", name: "Schindler's Episode", link: `${emby.url}/web/index.html#!/item?id=52&serverId=${sid}`, text: "A Show", type: "Episode" },
    ]);
    expect(JSON.stringify(results)).not.toContain(KEY);
  });

  it("searches Emby 4.0, 4.6, 4.7 and 4.8 through Items (4.7+ no longer answer Search/Hints)", async () => {
    for (const version of ["4.8.10.0", "4.7.14.0", "4.6.7.0", "4.0.2.0"]) {
      const e = await startEmby({ apiKey: KEY, version, hints: embyHints });
      try {
        const integrationId = await createOk(s, "emby", e.url, secrets);
        const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY });
        expect(results.map((r) => r.id), version).toEqual(["3471", "52"]);
        expect(e.searches).toEqual([EXOTIC_STRICT]);
        const items = e.requests.find((q) => /^\/emby\/Items\?/.test(q.url));
        expect(items?.url).toMatch(/Recursive=true/);
      } finally {
        await e.close();
      }
    }
  });

  it("search against a stopped server is BAD_GATEWAY without secrets", async () => {
    const gone = await startEmby({ apiKey: KEY });
    const integrationId = await createOk(s, "emby", gone.url, secrets);
    await gone.close();
    const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: "x" }));
    expect(err.code).toBe("BAD_GATEWAY");
    expectNoSecrets(s, err, secrets);
  });
});

describeSearchHang("emby", secrets, () => startEmby({ apiKey: KEY, hints: embyHints }), (e) => void (e.state.hang = true));
