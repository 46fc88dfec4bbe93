import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { getKind } from "../index.js";
import { closedPort, EXOTIC, expectNoSecret, startHtmlPage, testConnection, type Secret } from "./kind-helpers.js";

/**
 * The one contract every kind runs, once per release of its version matrix (docs/kinds.md): through a real
 * Patchbay over HTTP, the connection test succeeds and reports the version; a wrong credential is
 * INVALID_CREDENTIALS (with the service's own refusal, when given) and create saves nothing with it; search
 * (when the kind has it) answers the exotic query. Once per kind: another web page at the URL is
 * UNEXPECTED_RESPONSE, a closed port is CONNECTION_REFUSED, a release below the floor is UNSUPPORTED_VERSION.
 * Kind-specific behaviour stays in the kind's own test file, next to this call.
 */

export interface StartedRelease {
  url: string;
  /** Secrets that work. */
  secrets: Secret[];
  /** The same secret set with a wrong value (each alternative that matters may be its own release). */
  wrongSecrets: Secret[];
  /** What the connection test must report as version (exact string or pattern); undefined: no version. */
  version?: string | RegExp;
  /** How the service refuses wrongSecrets, checked on the error: its HTTP status and words of the message. */
  refusal?: { statusCode?: number; message?: RegExp };
  close(): Promise<unknown>;
}

export interface Release {
  /** Shown in the test name: "qBittorrent 5.2 (emulated)", "Debian 12 qbittorrent-nox 4.5.2 (real)". */
  label: string;
  start(): Promise<StartedRelease>;
  /** For real servers: false when the binary is missing (real-daemon's checkBinaries has already said so loudly). */
  available?: () => boolean;
  /** How long start() may take (default: vitest's hookTimeout); slow daemons set more. */
  startTimeoutMs?: number;
}

export interface KindContract {
  kind: string;
  /** The version matrix: oldest supported and newest release at least, and every protocol change between. */
  releases: Release[];
  /** A release below the kind's minimum version (when the kind has one and the service reports versions). */
  tooOld?: Release;
  /** The secrets sent in the once-per-kind tests (wrong page, closed port) for a given URL; default: dummy
   * values of the kind's first secret option. iCal, whose secret is the feed URL, passes `[{kind:"url", value: url}]`. */
  secretsFor?(url: string): Secret[];
  /** Search results for EXOTIC, checked by the kind (it knows what its emulator returns). */
  checkSearch?(results: { id: string; name: string; link?: string; image?: string }[], release: StartedRelease): void;
}

export function kindContract(spec: KindContract) {
  const def = getKind(spec.kind);
  describe(`${spec.kind}: shared kind contract`, () => {
    let s: TestServer;
    const seen = new Set<string>();
    const remember = (x: Secret[]) => x.forEach((v) => v.value.length >= 4 && seen.add(v.value));

    beforeAll(async () => {
      s = await startPatchbay();
    });
    afterAll(async () => {
      if (s) expectNoSecret(s.logs.join("\n"), [...seen]);
      await s?.close();
    });

    it("is in the catalog", () => {
      expect(def, `kind ${spec.kind} missing from src/kinds/index.ts`).toBeDefined();
      expect(spec.releases.length, "a version matrix has at least the oldest and the newest release").toBeGreaterThanOrEqual(1);
    });

    for (const release of spec.releases) {
      describe.skipIf(release.available ? !release.available() : false)(release.label, () => {
        let up: StartedRelease;
        beforeAll(async () => {
          up = await release.start();
          remember(up.secrets);
          remember(up.wrongSecrets);
        }, release.startTimeoutMs);
        afterAll(async () => {
          await up?.close();
        });

        it("the connection test succeeds and reports the version", async () => {
          const res = await testConnection(s, spec.kind, up.url, up.secrets);
          expect(res, JSON.stringify(res)).toMatchObject({ ok: true });
          if (res.ok) {
            if (up.version === undefined) expect(res.version).toBeUndefined();
            else if (typeof up.version === "string") expect(res.version).toBe(up.version);
            else expect(res.version).toMatch(up.version);
          }
        });

        it("a wrong credential is INVALID_CREDENTIALS, with no secret in the message", async () => {
          const res = await testConnection(s, spec.kind, up.url, up.wrongSecrets);
          expect(res.ok).toBe(false);
          if (!res.ok) {
            expect(res.error.code, res.error.message).toBe("INVALID_CREDENTIALS");
            expectNoSecret(res.error, secretsOf(up));
            if (up.refusal?.statusCode !== undefined) expect(res.error.details).toMatchObject({ statusCode: up.refusal.statusCode });
            if (up.refusal?.message) expect(res.error.message).toMatch(up.refusal.message);
          }
        });

        it("create with a wrong credential saves nothing and answers no secret", async () => {
          const before = (await s.admin.integration.all.query()).length;
          const created = await s.admin.integration.create.mutate({ name: `${spec.kind} wrong`, kind: spec.kind, url: up.url, secrets: up.wrongSecrets });
          expect(created).toMatchObject({ error: { code: "INVALID_CREDENTIALS" } });
          expectNoSecret(created, secretsOf(up));
          expect((await s.admin.integration.all.query()).length).toBe(before);
        });

        if (def?.search && spec.checkSearch) {
          it("searches for an exotic query", async () => {
            const id = await createOrThrow(s, spec.kind, up);
            const results = await s.admin.integration.searchInIntegration.query({ integrationId: id, query: EXOTIC });
            spec.checkSearch!(results as never, up);
            await s.admin.integration.delete.mutate({ id });
          });
        }
      });
    }

    it("another web page at the URL is UNEXPECTED_RESPONSE", async () => {
      const page = await startHtmlPage();
      try {
        const res = await testConnection(s, spec.kind, page.url, spec.secretsFor?.(page.url) ?? someSecrets(spec.kind));
        expect(res.ok).toBe(false);
        if (!res.ok) expect(res.error.code, res.error.message).toBe("UNEXPECTED_RESPONSE");
      } finally {
        await page.close();
      }
    });

    it("a closed port is CONNECTION_REFUSED", async () => {
      const url = `http://127.0.0.1:${await closedPort()}`;
      const res = await testConnection(s, spec.kind, url, spec.secretsFor?.(url) ?? someSecrets(spec.kind));
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.error.code, res.error.message).toBe("CONNECTION_REFUSED");
    });

    if (spec.tooOld) {
      const old = spec.tooOld;
      it(`a release below the floor is UNSUPPORTED_VERSION (${old.label})`, async () => {
        const up = await old.start();
        try {
          const res = await testConnection(s, spec.kind, up.url, up.secrets);
          expect(res.ok).toBe(false);
          if (!res.ok) expect(res.error.code, res.error.message).toBe("UNSUPPORTED_VERSION");
        } finally {
          await up.close();
        }
      });
    }
  });
}

const secretsOf = (up: StartedRelease) => [...up.secrets, ...up.wrongSecrets].map((x) => x.value).filter((v) => v.length >= 4);

/** A syntactically valid secret set for the kind's first option (for tests where the service never sees it). */
function someSecrets(kind: string): Secret[] {
  const option = getKind(kind)?.secretOptions[0] ?? [];
  return option.map((k) => ({ kind: k, value: k === "url" ? "http://127.0.0.1:9/feed.ics" : `x-${k}-value` }));
}

async function createOrThrow(s: TestServer, kind: string, up: StartedRelease): Promise<string> {
  const res = (await s.admin.integration.create.mutate({ name: `${kind} ${Math.random().toString(36).slice(2, 8)}`, kind, url: up.url, secrets: up.secrets })) as {
    id?: string;
    error?: unknown;
  };
  if (!res.id) throw new Error(`create failed: ${JSON.stringify(res.error)}`);
  return res.id;
}
