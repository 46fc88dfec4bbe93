import { kindContract, type Release } from "../testing/contract.js";
import { debian12, debian13, releaseAvailable, type DaemonRelease } from "../testing/release.js";
import { startAria2 } from "./real.js";

// aria2's matrix: the real aria2c of Debian 12 (1.36) and Debian 13 (1.37, src/kinds/testing/release.ts).
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

kindContract({ kind: "aria2", releases: [real(debian12), real(debian13)] });
