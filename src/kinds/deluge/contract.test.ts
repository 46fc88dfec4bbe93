import { kindContract, type Release } from "../testing/contract.js";
import { debian12, debian13, releaseAvailable, type DaemonRelease } from "../testing/release.js";
import { startDeluge } from "./real.js";

// Deluge's matrix: the real deluged + deluge-web of Debian 12 (2.0.3) and Debian 13 (2.2, src/kinds/testing/release.ts).
const real = (release: DaemonRelease): Release => ({
  label: `${release.label} deluged + deluge-web (real)`,
  available: () => releaseAvailable(release, ["deluged", "deluge-web"], "Deluge"),
  async start() {
    const dl = await startDeluge({ release });
    return {
      url: dl.url,
      version: dl.version,
      secrets: [{ kind: "password", value: dl.password }],
      wrongSecrets: [{ kind: "password", value: "wrong-Pw-000" }],
      close: () => dl.stop(),
    };
  },
});

kindContract({ kind: "deluge", releases: [real(debian12), real(debian13)] });
