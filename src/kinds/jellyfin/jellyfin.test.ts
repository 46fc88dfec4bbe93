import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { startEmby } from "../emby/emulator.js";
import { jellyfinHints, startJellyfin, type JellyfinEmulator } from "./emulator.js";
import { closedPort, createOk, EXOTIC_QUERY, EXOTIC_STRICT, expectNoSecrets, expectTestError, startWebPage, testConn, type SecretInput } from "../testing/media-helpers.js";

const KEY = "3f1c9a7e5b2d4c6e8a0b1d3f5e7c9a2b";
const PASSWORD = "Pa55!word'(x)";
const keySecrets: SecretInput = [{ kind: "apiKey", value: KEY }];
const userSecrets: SecretInput = [
  { kind: "username", value: "alice" },
  { kind: "password", value: PASSWORD },
];

let s: TestServer;
let jf: JellyfinEmulator;
beforeAll(async () => {
  [s, jf] = await Promise.all([startPatchbay(), startJellyfin({ apiKey: KEY, users: { alice: PASSWORD }, hints: jellyfinHints })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), jf?.close()]);
});

describe("jellyfin emulator (faithful to the protocol facts)", () => {
  it("Ping and Info/Public answer without credentials; Info answers 401 with an empty body", async () => {
    expect((await fetch(`${jf.url}/System/Ping`)).status).toBe(200);
    const pub = await (await fetch(`${jf.url}/System/Info/Public`)).json();
    expect(pub).toMatchObject({ ProductName: "Jellyfin Server", Version: "10.10.7" });
    const denied = await fetch(`${jf.url}/System/Info`, { headers: { authorization: 'MediaBrowser Token="wrong"' } });
    expect(denied.status).toBe(401);
    expect(await denied.text()).toBe("");
  });
});

describe("jellyfin kind over the API", () => {
  it("is in the catalog with both secret options", async () => {
    const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === "jellyfin")!;
    expect(k).toMatchObject({ categories: ["mediaServer", "search"], secretOptions: [["apiKey"], ["username", "password"]], defaultPort: 8096, supportsSearch: true });
  });

  it("API key: create + test ok with the version; the key is proven on the authenticated System/Info", async () => {
    await createOk(s, "jellyfin", jf.url, keySecrets);
    jf.requests.length = 0;
    expect(await testConn(s, "jellyfin", jf.url, keySecrets)).toEqual({ ok: true, version: "10.10.7" });
    const info = jf.requests.find((q) => q.url === "/System/Info");
    expect(info?.headers.authorization).toMatch(/^MediaBrowser Client="Patchbay", Device="Patchbay", DeviceId="patchbay-[0-9a-f-]+", Version="[^"]+", Token="3f1c9a7e/);
    expect(jf.requests.some((q) => /ping/i.test(q.url))).toBe(false);
  });

  it("username+password: AuthenticateByName, then the token, then the session is logged out", async () => {
    const before = { logins: jf.stats.logins, logouts: jf.stats.logouts };
    await createOk(s, "jellyfin", jf.url, userSecrets);
    expect(await testConn(s, "jellyfin", jf.url, userSecrets)).toEqual({ ok: true, version: "10.10.7" });
    expect(jf.stats.logins - before.logins).toBe(2);
    expect(jf.stats.logouts - before.logouts).toBe(2);
    expect(jf.sessions.size).toBe(0);
    const login = jf.requests.filter((q) => q.url === "/Users/AuthenticateByName").at(-1)!;
    expect(JSON.parse(login.body)).toEqual({ Username: "alice", Pw: PASSWORD });
  });

  it("a wrong API key is INVALID_CREDENTIALS although Ping/Info/Public would pass", async () => {
    const err = await expectTestError(s, "jellyfin", jf.url, [{ kind: "apiKey", value: "0000deadbeef0000" }], "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/API key/);
  });

  it("a wrong password is INVALID_CREDENTIALS and opens no session", async () => {
    const bad: SecretInput = [
      { kind: "username", value: "alice" },
      { kind: "password", value: "not-her-password!" },
    ];
    const err = await expectTestError(s, "jellyfin", jf.url, bad, "INVALID_CREDENTIALS");
    expect(err.message).toMatch(/username or password/);
    expect(jf.sessions.size).toBe(0);
  });

  it("an Emby server, an *arr and a random web page are UNEXPECTED_RESPONSE", async () => {
    const emby = await startEmby({ apiKey: KEY });
    const arr = await startArr({ app: "Sonarr", apiKey: KEY });
    const web = await startWebPage();
    try {
      const e1 = await expectTestError(s, "jellyfin", emby.url, keySecrets, "UNEXPECTED_RESPONSE");
      expect(e1.message).toMatch(/This is Emby, not Jellyfin/);
      const e2 = await expectTestError(s, "jellyfin", arr.url, keySecrets, "UNEXPECTED_RESPONSE");
      expect(e2.message).toContain('HTML page titled "Sonarr"');
      await expectTestError(s, "jellyfin", web.url, keySecrets, "UNEXPECTED_RESPONSE");
    } finally {
      await Promise.all([emby.close(), arr.close(), web.close()]);
    }
  });

  it("a server that has not finished its setup wizard is UNEXPECTED_RESPONSE saying so", async () => {
    const fresh = await startJellyfin({ apiKey: KEY, wizardDone: false });
    try {
      const err = await expectTestError(s, "jellyfin", fresh.url, keySecrets, "UNEXPECTED_RESPONSE");
      expect(err.message).toMatch(/setup wizard/);
    } finally {
      await fresh.close();
    }
  });

  it("a closed port is CONNECTION_REFUSED", async () => {
    await expectTestError(s, "jellyfin", `http://127.0.0.1:${await closedPort()}`, userSecrets, "CONNECTION_REFUSED");
  });

  it("Jellyfin below 10.10.0 is UNSUPPORTED_VERSION, without sending it the credentials", async () => {
    const old = await startJellyfin({ apiKey: KEY, users: { alice: PASSWORD }, version: "10.9.11" });
    try {
      const err = await expectTestError(s, "jellyfin", old.url, userSecrets, "UNSUPPORTED_VERSION");
      expect(err.details).toMatchObject({ version: "10.9.11", minVersion: "10.10.0" });
      expect(old.requests.some((q) => /AuthenticateByName/.test(q.url))).toBe(false);
    } finally {
      await old.close();
    }
  });

  it("searches with an API key: mapped hints, links into the web UI, query strictly encoded", async () => {
    const integrationId = await createOk(s, "jellyfin", jf.url, keySecrets);
    jf.searches.length = 0;
    const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY });
    expect(jf.searches).toEqual([EXOTIC_STRICT]);
    const sid = jf.state.serverId;
    expect(results).toEqual([
      {
        id: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
        name: `Schindler's List (1993) & "quotes" (1993)`,
        link: `${jf.url}/web/index.html#!/details?id=a1b2c3d4e5f60718293a4b5c6d7e8f90&serverId=${sid}`,
        image: `${jf.url}/Items/a1b2c3d4e5f60718293a4b5c6d7e8f90/Images/Primary?tag=7d3c2b1a`,
        text: "1993",
        type: "Movie",
      },
      {
        id: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        name: "Schindler's Song",
        link: `${jf.url}/web/index.html#!/details?id=0f1e2d3c4b5a69788796a5b4c3d2e1f0&serverId=${sid}`,
        text: "Soundtrack – John Williams",
        type: "Audio",
      },
    ]);
    expect(JSON.stringify(results)).not.toContain(KEY);
  });

  it("searches with username+password: concurrent searches do not revoke each other, every session is logged out", async () => {
    const integrationId = await createOk(s, "jellyfin", jf.url, userSecrets);
    const [a, b] = await Promise.all([
      s.admin.integration.searchInIntegration.query({ integrationId, query: "Schindler" }),
      s.admin.integration.searchInIntegration.query({ integrationId, query: "Schindler's" }),
    ]);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect(jf.sessions.size).toBe(0);
  });

  it("search against a stopped server is BAD_GATEWAY without secrets", async () => {
    const gone = await startJellyfin({ apiKey: KEY, users: { alice: PASSWORD } });
    const integrationId = await createOk(s, "jellyfin", gone.url, userSecrets);
    await gone.close();
    const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: "x" }));
    expect(err.code).toBe("BAD_GATEWAY");
    expectNoSecrets(s, err, userSecrets);
  });
});

describe("jellyfin search against a hanging server", () => {
  let fast: TestServer;
  beforeAll(async () => {
    fast = await startPatchbay({ testTimeoutMs: 1000 });
  });
  afterAll(() => fast?.close());

  it("is GATEWAY_TIMEOUT within the deadline", async () => {
    const slow = await startJellyfin({ apiKey: KEY, hints: jellyfinHints });
    try {
      const integrationId = await createOk(fast, "jellyfin", slow.url, keySecrets);
      slow.state.hang = true;
      const started = Date.now();
      const err = await errorOf(fast.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY }));
      expect(err.code).toBe("GATEWAY_TIMEOUT");
      expect(Date.now() - started).toBeLessThan(4000);
      expectNoSecrets(fast, err, keySecrets);
    } finally {
      await slow.close();
    }
  });
});
