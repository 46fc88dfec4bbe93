import { kindContract, type Release } from "../testing/contract.js";
import { debian12, debian13, releaseAvailable, type DaemonRelease } from "../testing/release.js";
import { startAria2Emulator, type Aria2Release } from "./emulator.js";
import { startAria2 } from "./real.js";

const TOKEN = "aria2-contract-Tok-2e7";

// The version matrix (emulator.ts): 1.36 (oldest supported release Debian ships) and 1.37 (newest); no
// JSON-RPC change between them.
const emulated = (release: Aria2Release, version: string): Release => ({
  label: `aria2 ${release} (emulated)`,
  async start() {
    const ar = await startAria2Emulator({ release, token: TOKEN });
    return { url: ar.url, version, secrets: [{ kind: "token", value: TOKEN }], wrongSecrets: [{ kind: "token", value: "wrong-token-000" }], close: () => ar.close() };
  },
});

// The real aria2c of Debian 12 (1.36) and Debian 13 (1.37, src/kinds/testing/release.ts).
const real = (release: DaemonRelease): Release => ({
  label: `${release.label} aria2c (real)`,
  available: () => releaseAvailable(release, ["aria2c"], "aria2"),
  async start() {
    const ar = await startAria2({ release });
    return {
      url: ar.url,
      version: ar.version,
      secrets: [{ kind: "token", value: ar.credentials.token! }],
      wrongSecrets: [{ kind: "token", value: "wrong-token-000" }],
      close: () => ar.stop(),
    };
  },
});

kindContract({ kind: "aria2", releases: [emulated("1.36", "1.36.0"), emulated("1.37", "1.37.0"), real(debian12), real(debian13)] });
