import { expect } from "vitest";
import { kindContract, type Release, type StartedRelease } from "../testing/contract.js";
import { expectStrictlyEncoded } from "../testing/kind-helpers.js";
import { sampleJackettResults, startJackett, type JackettEmulator } from "./emulator.js";

const KEY = "jackettcontractkey0123456789abcd";
type Started = StartedRelease & { emu: JackettEmulator };

/** Jackett ships one rolling release line (0.2x, weekly builds); what differs for Patchbay is the admin password. */
function release(label: string, adminPassword: boolean): Release {
  return {
    label,
    async start() {
      const emu = await startJackett({ apiKey: KEY, version: "0.24.2440", adminPassword, results: sampleJackettResults });
      // With an admin password the version (admin API) is out of reach of the key: none is reported.
      const started: Started = { url: emu.url, secrets: [{ kind: "apiKey", value: KEY }], wrongSecrets: [{ kind: "apiKey", value: "wrongjackettkey000000000000000000" }], version: adminPassword ? undefined : "0.24.2440", close: () => emu.close(), emu };
      return started;
    },
  };
}

kindContract({
  kind: "jackett",
  releases: [release("Jackett v0.24.2440, no admin password (emulated)", false), release("Jackett v0.24.2440 with an admin password (emulated)", true)],
  checkSearch(results, up) {
    expect(results.map((r) => r.id)).toEqual(["https://yts.example/torrent/2", "https://1337x.example/torrent/1/"]);
    expectStrictlyEncoded((up as Started).emu.queries.at(-1));
  },
});
