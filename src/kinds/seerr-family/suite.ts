import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr } from "../arr-family/emulator.js";
import { NOT_ENCODED, seerrResults, startSeerr, type SeerrEmulator } from "./emulator.js";
import { SEERR_MATRIX } from "./releases.js";
import { closedPort, createOk, EXOTIC_QUERY, EXOTIC_STRICT, describeSearchHang, expectNoSecrets, expectTestError, startWebPage, testConn, type SecretInput } from "../testing/media-helpers.js";

/** The Overseerr and Jellyseerr kind tests: one API, and either kind accepts Overseerr, Jellyseerr and Seerr. */
export function seerrSuite(kind: "overseerr" | "jellyseerr") {
  const flavor = kind === "overseerr" ? "Overseerr" : "Jellyseerr";
  const version = kind === "overseerr" ? "1.33.2" : "2.5.2";
  const KEY = "MTcwMDAwMDAwMDAwMGQ0ZjFlMmMtOWE4Yi00YzdkLWJlMmYtMWEzYjVjN2Q5ZTFm";
  const secrets: SecretInput = [{ kind: "apiKey", value: KEY }];

  let s: TestServer;
  let emu: SeerrEmulator;
  beforeAll(async () => {
    [s, emu] = await Promise.all([startPatchbay(), startSeerr({ flavor, version, apiKey: KEY, results: seerrResults })]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), emu?.close()]);
  });

  describe(`${kind} emulator (faithful to the protocol facts)`, () => {
    it("answers a wrong key with 403 JSON, and rejects a query that is not strictly percent-encoded", async () => {
      const me = await fetch(`${emu.url}/api/v1/auth/me`, { headers: { "x-api-key": "wrong" } });
      expect(me.status).toBe(403);
      expect(await me.json()).toEqual({ status: 403, error: "You do not have permission to access this endpoint" });
      // What URLSearchParams produces ('+' for spaces, raw ' ( ) ) is refused, and so is a raw '!' or '*'.
      for (const q of [new URLSearchParams({ query: EXOTIC_QUERY }).toString(), `query=${encodeURIComponent("Wow!")}`, `query=${encodeURIComponent("a*")}`]) {
        const res = await fetch(`${emu.url}/api/v1/search?${q}&page=1`, { headers: { "x-api-key": KEY } });
        expect(res.status, q).toBe(400);
        expect((await res.json()).message).toBe(NOT_ENCODED);
      }
      const ok = await fetch(`${emu.url}/api/v1/search?query=${EXOTIC_STRICT}&page=1`, { headers: { "x-api-key": KEY } });
      expect(ok.status).toBe(200);
      emu.searches.length = 0;
      emu.rejected.length = 0;
    });
  });

  describe(`${kind} kind over the API`, () => {
    it("is in the catalog with the contract's data", async () => {
      const k = (await s.anonymous.integration.getKinds.query()).find((x) => x.kind === kind)!;
      expect(k).toMatchObject({
        name: flavor,
        categories: ["mediaRequest", "search"],
        secretOptions: [["apiKey"]],
        defaultPort: 5055,
        supportsSearch: true,
        iconUrl: `https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/${kind}.svg`,
      });
    });

    it("create + test ok with the version; the key proven on /api/v1/auth/me", async () => {
      await createOk(s, kind, emu.url, secrets);
      emu.requests.length = 0;
      expect(await testConn(s, kind, emu.url, secrets)).toEqual({ ok: true, version });
      const me = emu.requests.find((q) => q.url === "/api/v1/auth/me");
      expect(me?.headers["x-api-key"]).toBe(KEY);
    });

    it("a wrong key (answered 403, not 401) is INVALID_CREDENTIALS with where to find the key", async () => {
      const err = await expectTestError(s, kind, emu.url, [{ kind: "apiKey", value: "bm90LXRoZS1rZXk=" }], "INVALID_CREDENTIALS");
      expect(err.message).toContain(`${flavor} → Settings → General → API Key`);
      expect(err.details).toMatchObject({ statusCode: 403 });
    });

    it("Overseerr 1.x, Jellyseerr 2.x and Seerr 3.x all pass (Seerr's public settings always carry mediaServerType)", async () => {
      for (const { flavor: f, version: v } of SEERR_MATRIX) {
        const twin = await startSeerr({ flavor: f, version: v, apiKey: KEY });
        try {
          expect(await testConn(s, kind, twin.url, secrets), `${f} ${v}`).toEqual({ ok: true, version: v });
        } finally {
          await twin.close();
        }
      }
    });

    it("an *arr and a random page are UNEXPECTED_RESPONSE naming what answered", async () => {
      const arr = await startArr({ app: "Sonarr", apiKey: KEY });
      const web = await startWebPage();
      try {
        // Overseerr's /api/v1/status is anonymous; Sonarr answers it (sent without a key) 401 with an empty body.
        const e2 = await expectTestError(s, kind, arr.url, secrets, "UNEXPECTED_RESPONSE");
        expect(e2.message).toContain(`does not answer like ${flavor}: it sent HTTP 401 with an empty body`);
        const e3 = await expectTestError(s, kind, web.url, secrets, "UNEXPECTED_RESPONSE");
        expect(e3.message).toContain("Welcome to nginx!");
      } finally {
        await Promise.all([arr.close(), web.close()]);
      }
    });

    it("a development build (version \"develop-<commit>\") is accepted, not called too old", async () => {
      const dev = await startSeerr({ flavor, apiKey: KEY, version: "develop-4b7c1a2" });
      try {
        expect(await testConn(s, kind, dev.url, secrets)).toEqual({ ok: true, version: "develop-4b7c1a2" });
      } finally {
        await dev.close();
      }
    });

    it("a 0.x pre-release is UNSUPPORTED_VERSION (the catalog's floor is 1.0.0)", async () => {
      const old = await startSeerr({ flavor, apiKey: KEY, version: "0.9.3" });
      try {
        const res = await testConn(s, kind, old.url, secrets);
        expect(!res.ok && res.error.code).toBe("UNSUPPORTED_VERSION");
      } finally {
        await old.close();
      }
    });

    it("a closed port is CONNECTION_REFUSED", async () => {
      await expectTestError(s, kind, `http://127.0.0.1:${await closedPort()}`, secrets, "CONNECTION_REFUSED");
    });

    it("searches: the strict emulator accepts the query, results are mapped with links into the web UI", async () => {
      const integrationId = await createOk(s, kind, emu.url, secrets);
      emu.searches.length = 0;
      emu.rejected.length = 0;
      const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY });
      expect(emu.rejected).toEqual([]);
      expect(emu.searches).toEqual([EXOTIC_STRICT]);
      expect(results).toEqual([
        {
          id: "movie:424",
          name: `Schindler's List (1993) & "quotes" (1993)`,
          link: `${emu.url}/movie/424`,
          image: "https://image.tmdb.org/t/p/w600_and_h900_bestv2/sF1U4EUQS8YHUYjNl3pMGNIQyr0.jpg",
          text: "A test movie with an exotic title.",
          type: "movie",
        },
        { id: "tv:1399", name: "Schindler's Show (2011)", link: `${emu.url}/tv/1399`, type: "tv" },
        {
          id: "person:488",
          name: "Schindler's Actor",
          link: `${emu.url}/person/488`,
          image: "https://image.tmdb.org/t/p/w600_and_h900_bestv2/abc.jpg",
          type: "person",
        },
      ]);
      expect(JSON.stringify(results)).not.toContain(KEY);
    });

    it("search with a key revoked after creation is BAD_GATEWAY carrying INVALID_CREDENTIALS' message", async () => {
      const rotating = await startSeerr({ flavor, apiKey: KEY, results: seerrResults });
      try {
        const integrationId = await createOk(s, kind, rotating.url, secrets);
        rotating.state.apiKey = "a-new-key";
        const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: "Schindler" }));
        expect(err.code).toBe("BAD_GATEWAY");
        expect(err.message).toContain("rejected the API key");
        expectNoSecrets(s, err, secrets);
      } finally {
        await rotating.close();
      }
    });

    it("search against a stopped server is BAD_GATEWAY without secrets", async () => {
      const gone = await startSeerr({ flavor, apiKey: KEY });
      const integrationId = await createOk(s, kind, gone.url, secrets);
      await gone.close();
      const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: "x" }));
      expect(err.code).toBe("BAD_GATEWAY");
      expectNoSecrets(s, err, secrets);
    });
  });

  describeSearchHang(kind, secrets, () => startSeerr({ flavor, apiKey: KEY, results: seerrResults }), (e) => void (e.state.hang = true));
}
