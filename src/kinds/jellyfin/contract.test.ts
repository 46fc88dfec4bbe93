import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { jellyfinHints, startJellyfin } from "./emulator.js";

const KEY = "3f1c9a7e5b2d4c6e8a0b1d3f5e7c9a2b";
const WRONG = "00000000000000000000000000000000";

/**
 * Jellyfin 10.10 (the SDK's floor) and 10.11. 10.11 adds `EnableLegacyAuthorization` (jellyfin/jellyfin
 * v10.11.0 AuthorizationContext.cs); the release with it switched off still works because Patchbay only
 * sends `Authorization: MediaBrowser …, Token="…"`. Session and search endpoints are the same in both.
 */
const release = (version: string, legacyAuthorization = true, label = `Jellyfin ${version} (emulated)`) => ({
  label,
  async start() {
    const jf = await startJellyfin({ apiKey: KEY, version, hints: jellyfinHints, legacyAuthorization });
    return { url: jf.url, secrets: [{ kind: "apiKey" as const, value: KEY }], wrongSecrets: [{ kind: "apiKey" as const, value: WRONG }], version, close: () => jf.close() };
  },
});

kindContract({
  kind: "jellyfin",
  releases: [release("10.10.0"), release("10.10.7"), release("10.11.11"), release("10.11.11", false, "Jellyfin 10.11.11, legacy authorization off (emulated)")],
  tooOld: release("10.9.11"),
  checkSearch(results, up) {
    expect(results.map((r) => r.id)).toEqual(["a1b2c3d4e5f60718293a4b5c6d7e8f90", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"]);
    expect(results[0]!.image).toBe(`${up.url}/Items/a1b2c3d4e5f60718293a4b5c6d7e8f90/Images/Primary?tag=7d3c2b1a`);
  },
});
