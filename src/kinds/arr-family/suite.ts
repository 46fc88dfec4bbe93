import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startArr, type ArrEmulator, type ArrOptions } from "./emulator.js";
import type { SearchResult } from "../../engine/types.js";
import type { FakeServer } from "../testing/server.js";
import { describeSearchHang } from "../testing/media-helpers.js";
import { closedPort, createIntegration, EXOTIC, expectNoSecret, expectStrictlyEncoded, expectTestError, startHtmlPage, testConnection } from "../testing/kind-helpers.js";

type App = ArrOptions["app"];
/** A search result as the API returns it (the same shape the adapters produce). */
export type SearchResultView = SearchResult;

export interface ArrSuite {
  kind: "sonarr" | "radarr" | "lidarr" | "readarr" | "prowlarr";
  app: App;
  /** Catalog facts (docs/api.md, "Catalog" and docs/kinds.md, "Per-kind protocol table"). */
  categories: string[];
  defaultPort: number;
  /** A current release of the app, as /system/status reports it. */
  version: string;
  /** Another *arr at the same API generation, given to this kind by mistake. */
  otherApp: App;
  /** A release below the kind's minVersion (still at the right API generation), if such a thing exists. */
  oldVersion?: string;
  /** Whether the emulator's legacy mode (no /api/<v>, /api says current v2) applies: Sonarr/Radarr v2. */
  legacy?: boolean;
  /** What the lookup/search endpoint answers. */
  lookup: Record<string, unknown>[];
  /** Checks the mapped results of a search for EXOTIC (and, through the emulator, what was asked). */
  checkSearch(results: SearchResultView[], baseUrl: string, emu: ArrEmulator): void;
  /** A second search whose results include items already in the library (links to their pages). */
  librarySearch?: { query: string; check(results: SearchResultView[], baseUrl: string): void };
}

/** The API key the suite's emulator expects for a kind (so lookup data can embed it like the real API does). */
export const arrKey = (kind: ArrSuite["kind"]) => `${kind}-key-0123456789abcdef`;

/**
 * The connection-test and search behaviour every *arr kind must show, through the public API over HTTP against
 * the *arr emulator: the same list of faults for each kind, with the kind-specific parts (versions, the
 * wrong-but-similar service, the search answer and its mapping) supplied by the caller.
 */
export function describeArrKind(spec: ArrSuite) {
  const KEY = arrKey(spec.kind);
  const secrets = [{ kind: "apiKey" as const, value: KEY }];
  let s: TestServer;
  let emu: ArrEmulator;
  const extra: FakeServer[] = [];

  beforeAll(async () => {
    s = await startPatchbay();
    emu = await startArr({ app: spec.app, apiKey: KEY, version: spec.version, lookup: spec.lookup });
  });
  afterAll(async () => {
    await Promise.all([emu?.close(), ...extra.map((e) => e.close())]);
    await s?.close();
  });

  describe(`${spec.kind}: connection test`, () => {
    it("is in the catalog with its categories, the apiKey secret and its default port", async () => {
      const entry = (await s.anonymous.integration.getKinds.query()).find((k) => k.kind === spec.kind);
      expect(entry).toMatchObject({ name: spec.app, categories: spec.categories, secretOptions: [["apiKey"]], defaultPort: spec.defaultPort, supportsSearch: true });
    });

    it("succeeds with the right key and reports the version; create stores it and returns an id", async () => {
      const res = await testConnection(s, spec.kind, emu.url, secrets);
      expect(res).toEqual({ ok: true, version: spec.version });
      const id = await createIntegration(s, `${spec.app} main`, spec.kind, emu.url, secrets);
      expect(id).toEqual(expect.any(String));
      // The key went in the X-Api-Key header, never into a URL.
      const status = emu.requests.filter((r) => r.url.includes("/system/status"));
      expect(status.length).toBeGreaterThan(0);
      for (const r of status) {
        expect(r.headers["x-api-key"]).toBe(KEY);
        expect(r.url).not.toContain(KEY);
      }
    });

    it("a wrong key is INVALID_CREDENTIALS pointing to Settings → General, without the key in the message", async () => {
      const wrong = [{ kind: "apiKey" as const, value: "wrong-key-5f3c9a1d7e" }];
      const error = await expectTestError(s, spec.kind, emu.url, wrong, "INVALID_CREDENTIALS");
      expect(error.message).toMatch(new RegExp(`${spec.app} → Settings → General`));
      expectNoSecret(error, [KEY]);
    });

    it(`${spec.otherApp} given to the ${spec.kind} kind is UNEXPECTED_RESPONSE naming ${spec.otherApp}`, async () => {
      const other = await startArr({ app: spec.otherApp, apiKey: KEY });
      extra.push(other);
      const error = await expectTestError(s, spec.kind, other.url, secrets, "UNEXPECTED_RESPONSE");
      expect(error.message).toContain(spec.otherApp);
      expect(error.message).toContain(spec.app);
    });

    it("an HTML page (another web server) is UNEXPECTED_RESPONSE", async () => {
      const page = await startHtmlPage();
      extra.push(page);
      const error = await expectTestError(s, spec.kind, page.url, secrets, "UNEXPECTED_RESPONSE");
      expect(error.message).toMatch(new RegExp(`does not answer like ${spec.app}`));
    });

    it("the emulator's own web UI path (a URL missing the API) is UNEXPECTED_RESPONSE, not success", async () => {
      // http://host:port/web → /web/api/... is served the SPA's index.html by the *arr, with status 200.
      const error = await expectTestError(s, spec.kind, `${emu.url}/web`, secrets, "UNEXPECTED_RESPONSE");
      expect(error.details?.statusCode).toBe(200);
    });

    it("a closed port is CONNECTION_REFUSED", async () => {
      const port = await closedPort();
      const error = await expectTestError(s, spec.kind, `http://127.0.0.1:${port}`, secrets, "CONNECTION_REFUSED");
      expect(error.message).toContain(`127.0.0.1:${port}`);
    });

    if (spec.legacy) {
      it("a legacy major without the current API is UNSUPPORTED_VERSION", async () => {
        const old = await startArr({ app: spec.app, apiKey: KEY, legacy: true });
        extra.push(old);
        const error = await expectTestError(s, spec.kind, old.url, secrets, "UNSUPPORTED_VERSION");
        expect(error.message).toMatch(/v2/);
        expect(error.message).toMatch(/v3/);
      });
    }

    if (spec.oldVersion) {
      it(`version ${spec.oldVersion} (below the minimum) is UNSUPPORTED_VERSION`, async () => {
        const old = await startArr({ app: spec.app, apiKey: KEY, version: spec.oldVersion });
        extra.push(old);
        const error = await expectTestError(s, spec.kind, old.url, secrets, "UNSUPPORTED_VERSION");
        expect(error.message).toContain(spec.oldVersion!);
        expect(error.details?.version).toBe(spec.oldVersion);
      });
    }
  });

  describe(`${spec.kind}: search`, () => {
    it("maps results with links into the web UI and sends the query strictly percent-encoded", async () => {
      const integrationId = await createIntegration(s, `${spec.app} search`, spec.kind, emu.url, secrets);
      const results = await s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC });
      expect(results.length).toBeGreaterThan(0);
      for (const r of results) {
        expect(r.link?.startsWith(`${emu.url}/`), r.link).toBe(true);
        expect(r.id).toEqual(expect.any(String));
      }
      spec.checkSearch(results, emu.url, emu);
      expectNoSecret(results, [KEY]);
      expectStrictlyEncoded(emu.lookups.at(-1));
    });

    if (spec.librarySearch) {
      const { query, check } = spec.librarySearch;
      it(`items already in the library link to their page (query "${query}")`, async () => {
        const integrationId = await createIntegration(s, `${spec.app} library`, spec.kind, emu.url, secrets);
        const results = await s.admin.integration.searchInIntegration.query({ integrationId, query });
        check(results, emu.url);
      });
    }

    let hanging: ArrOptions; // the emulator reads its options per request
    describeSearchHang(spec.kind, secrets, () => startArr((hanging = { app: spec.app, apiKey: KEY, version: spec.version, lookup: spec.lookup })), () => void (hanging.hang = true));

    it("a service that went away is BAD_GATEWAY", async () => {
      const gone = await startArr({ app: spec.app, apiKey: KEY, version: spec.version });
      const integrationId = await createIntegration(s, `${spec.app} gone`, spec.kind, gone.url, secrets);
      await gone.close();
      const err = await errorOf(s.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC }));
      expect(err.code).toBe("BAD_GATEWAY");
      expect(err.httpStatus).toBe(502);
      expect(err.message).toMatch(/Nothing is listening/);
      expectNoSecret(err.message, [KEY]);
    });

    it("no key appeared in Patchbay's logs", () => {
      expectNoSecret(s.logs.join("\n"), [KEY]);
    });
  });
}
