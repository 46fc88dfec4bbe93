import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { embyHints, startEmby } from "./emulator.js";

const KEY = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";
const WRONG = "ffffffffffffffffffffffffffffffff";

/** Emby 4.0 (the floor), 4.6 (last emulated with Search/Hints), 4.7 and 4.8 (search only through Items). */
const release = (version: string) => ({
  label: `Emby ${version} (emulated)`,
  async start() {
    const e = await startEmby({ apiKey: KEY, version, hints: embyHints });
    return { url: e.url, secrets: [{ kind: "apiKey" as const, value: KEY }], wrongSecrets: [{ kind: "apiKey" as const, value: WRONG }], version, close: () => e.close() };
  },
});

kindContract({
  kind: "emby",
  releases: ["4.0.2.0", "4.6.7.0", "4.7.14.0", "4.8.10.0"].map(release),
  tooOld: release("3.5.3.0"),
  checkSearch(results, up) {
    expect(results.map((r) => r.id)).toEqual(["3471", "52"]);
    expect(results[0]!.image).toBe(`${up.url}/emby/Items/3471/Images/Primary?tag=b2c3`);
  },
});
