import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { plexSample, startPlex } from "./emulator.js";

const TOKEN = "plexTok-9fQ2xZr7LmW4";

/** PMS 1.20 (the catalog's floor) and 1.41 (newest emulated); the JSON API Patchbay uses is the same in both. */
const release = (version: string) => ({
  label: `Plex Media Server ${version} (emulated)`,
  async start() {
    const plex = await startPlex({ token: TOKEN, version, metadata: plexSample });
    return { url: plex.url, secrets: [{ kind: "apiKey" as const, value: TOKEN }], wrongSecrets: [{ kind: "apiKey" as const, value: "wrong-token-Q7" }], version, close: () => plex.close() };
  },
});

kindContract({
  kind: "plex",
  releases: [release("1.20.5.3600-47c0d9038"), release("1.41.3.9314-a0bfb8370")],
  tooOld: release("1.19.5.3112-b23ab3896"),
  checkSearch(results) {
    expect(results.map((r) => r.id)).toEqual(["4711", "815"]);
    // Library thumbnails need the token: only the agent's absolute image URL is passed on.
    expect(results[0]!.image).toBeUndefined();
    expect(results[1]!.image).toBe("https://metadata-static.plex.tv/x/y.jpg");
  },
});
