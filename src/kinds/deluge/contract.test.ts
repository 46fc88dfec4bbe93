import { kindContract, type Release } from "../testing/contract.js";
import { debian12, debian13, releaseAvailable, type DaemonRelease } from "../testing/release.js";
import { startDelugeEmulator, type DelugeRelease } from "./emulator.js";
import { startDeluge } from "./real.js";

const PASS = "dl-contract-Pw-5c0";

// The version matrix (emulator.ts): 2.0 (strict content type), 2.1, 2.2 (cookie path /). Each web UI starts
// detached from its one daemon, as after a fresh install.
const emulated = (release: DelugeRelease, version: string): Release => ({
  label: `Deluge ${release} (emulated)`,
  async start() {
    const dl = await startDelugeEmulator({ release, password: PASS, daemons: [{ id: "h1", host: "127.0.0.1", port: 58846, online: true, torrents: [] }] });
    return { url: dl.url, version, secrets: [{ kind: "password", value: PASS }], wrongSecrets: [{ kind: "password", value: "wrong-Pw-000" }], close: () => dl.close() };
  },
});

// The real deluged + deluge-web of Debian 12 (2.0.3) and Debian 13 (2.2, src/kinds/testing/release.ts).
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

kindContract({ kind: "deluge", releases: [emulated("2.0", "2.0.3"), emulated("2.1", "2.1.1"), emulated("2.2", "2.2.0"), real(debian12), real(debian13)] });
