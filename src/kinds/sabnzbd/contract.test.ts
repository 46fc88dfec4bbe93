import { compareVersions } from "../../engine/version.js";
import { kindContract, type Release } from "../testing/contract.js";
import { startSabnzbdEmulator } from "./emulator.js";
import { available, SAB_START_MS, startSabnzbd } from "./real.js";

const KEY = "c0ffee00c0ffee00c0ffee00c0ffee00";
const WRONG = [{ kind: "apiKey" as const, value: "0000000000000000000000000000dead" }];

// HTTP 200 + JSON error before 3.3.0, 403 + text from then on (emulator.ts).
const refusal = (version: string) => ({ statusCode: compareVersions(version, "3.3.0") < 0 ? 200 : 403, message: /SABnzbd rejected the API key/ });

const emulated = (version: string): Release => ({
  label: `SABnzbd ${version} (emulated)`,
  async start() {
    const sab = await startSabnzbdEmulator({ version, apiKey: KEY, nzbKey: "0b5d1c9e8f7a46b3a2c1d0e9f8a7b6c5" });
    return { url: sab.url, version, secrets: [{ kind: "apiKey", value: KEY }], wrongSecrets: WRONG, refusal: refusal(version), close: () => sab.close() };
  },
});

// SABnzbd's matrix (emulator.ts): 3.0.0, the oldest supported (a wrong key is HTTP 200 + JSON error), 4.5.5, the
// newest 4.x (403 + plain text, as from 3.3.0), and Debian 12's real 3.7.1.
kindContract({
  kind: "sabnzbd",
  releases: [
    emulated("3.0.0"),
    emulated("4.5.5"),
    {
      label: "Debian 12 sabnzbdplus (real)",
      available,
      startTimeoutMs: SAB_START_MS,
      async start() {
        const sab = await startSabnzbd();
        return {
          url: sab.url,
          version: sab.version,
          secrets: [{ kind: "apiKey", value: sab.credentials.apiKey }],
          wrongSecrets: WRONG,
          refusal: refusal(sab.version),
          close: () => sab.stop(),
        };
      },
    },
  ],
  // 2.3.9 (Python 2) answers the queue like 3.0.0; only the version is below the floor.
  tooOld: emulated("2.3.9"),
});
