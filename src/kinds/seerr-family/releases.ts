import type { Release } from "../testing/contract.js";
import { expect } from "vitest";
import { sampleRequests, seerrResults, startSeerr, type SeerrFlavor } from "./emulator.js";

/**
 * The version matrix both seerr kinds run (emulated; none of them is packaged for Debian):
 * - Overseerr 1.18.0: oldest release with everything Patchbay reads (`/api/v1/status` since v1.15.0,
 *   `/api/v1/request/count` since v1.17.0, `displayName` since v1.18.0 — sct/overseerr tags);
 * - Overseerr 1.34.0: the last Overseerr release (sct/overseerr v1.34.0);
 * - Jellyseerr 2.5.2: before request status COMPLETED (fallenbagel/jellyseerr v2.5.2);
 * - Jellyseerr 2.7.3: COMPLETED status, `completed` count, `filter=available` = completed (v2.6.0+);
 * - Seerr 3.1.0: Overseerr's successor, `mediaServerType` always in public settings (seerr-team/seerr v3.1.0).
 */
export const SEERR_KEY = "MTcwMDAwMDAwMDAwMGQ0ZjFlMmMtOWE4Yi00YzdkLWJlMmYtMWEzYjVjN2Q5ZTFm";
export const SEERR_WRONG_KEY = "MTcwMDAwMDAwMDAwMGZmZmZmZmYtZmZmZi1mZmZmLWZmZmYtZmZmZmZmZmZmZmZm";

export const SEERR_MATRIX: { flavor: SeerrFlavor; version: string }[] = [
  { flavor: "Overseerr", version: "1.18.0" },
  { flavor: "Overseerr", version: "1.34.0" },
  { flavor: "Jellyseerr", version: "2.5.2" },
  { flavor: "Jellyseerr", version: "2.7.3" },
  { flavor: "Seerr", version: "3.1.0" },
];

/** Starts one release of the matrix with a sample request queue and search results. */
export function startRelease(flavor: SeerrFlavor, version: string) {
  return startSeerr({ flavor, version, apiKey: SEERR_KEY, results: seerrResults, ...sampleRequests(flavor, version) });
}

export const seerrReleases: Release[] = SEERR_MATRIX.map(({ flavor, version }) => ({
  label: `${flavor} ${version} (emulated)`,
  async start() {
    const emu = await startRelease(flavor, version);
    return {
      url: emu.url,
      secrets: [{ kind: "apiKey", value: SEERR_KEY }],
      wrongSecrets: [{ kind: "apiKey", value: SEERR_WRONG_KEY }],
      version,
      close: () => emu.close(),
    };
  },
}));

export const seerrTooOld: Release = {
  label: "Overseerr 0.9.3 pre-release (emulated)",
  async start() {
    const emu = await startRelease("Overseerr", "0.9.3");
    return { url: emu.url, secrets: [{ kind: "apiKey", value: SEERR_KEY }], wrongSecrets: [], version: "0.9.3", close: () => emu.close() };
  },
};

/** Search results for EXOTIC (the emulator refuses a query that is not strictly encoded): TMDB posters, web-UI links. */
export function checkSeerrSearch(results: { id: string; name: string; link?: string; image?: string }[], up: { url: string }) {
  expect(results.map((r) => r.id)).toEqual(["movie:424", "tv:1399", "person:488"]);
  expect(results[0]).toMatchObject({ link: `${up.url}/movie/424`, image: "https://image.tmdb.org/t/p/w600_and_h900_bestv2/sF1U4EUQS8YHUYjNl3pMGNIQyr0.jpg" });
}
