import { kindContract, type Release } from "../testing/contract.js";
import { startQbittorrentEmulator, type QbRelease } from "./emulator.js";
import { debian12, debian13, releaseAvailable, type DaemonRelease } from "../testing/release.js";
import { startQbittorrent } from "./real.js";

const USER = "qb-contract-user";
const PASS = "qb-contract-Pw-93e";
const KEY = "qbt_" + "Q".repeat(14) + "k".repeat(14);

const emulated = (release: QbRelease, version: string, path: "password" | "apiKey"): Release => ({
  label: `qBittorrent ${release} ${path === "apiKey" ? "API key" : "password"} (emulated ${version})`,
  async start() {
    const qb = await startQbittorrentEmulator({ release, version, username: USER, password: PASS, apiKey: KEY });
    const secrets =
      path === "apiKey"
        ? { secrets: [{ kind: "apiKey" as const, value: KEY }], wrongSecrets: [{ kind: "apiKey" as const, value: "qbt_" + "w".repeat(28) }] }
        : {
            secrets: [{ kind: "username" as const, value: USER }, { kind: "password" as const, value: PASS }],
            wrongSecrets: [{ kind: "username" as const, value: USER }, { kind: "password" as const, value: "wrong-Pw-000" }],
          };
    return { url: qb.url, version, ...secrets, refusal: { message: /qBittorrent/ }, close: () => qb.close() };
  },
});

// The real daemons of two Debian releases: 4.5.2 (Debian 12) and 5.1 (Debian 13, src/kinds/testing/release.ts).
const real = (release: DaemonRelease): Release => ({
  label: `${release.label} qbittorrent-nox (real)`,
  available: () => releaseAvailable(release, ["qbittorrent-nox"], "qBittorrent"),
  async start() {
    const qb = await startQbittorrent({ username: "qb-contract-user", release });
    return {
      url: qb.url,
      version: qb.version,
      secrets: [{ kind: "username", value: qb.username }, { kind: "password", value: qb.password }],
      wrongSecrets: [{ kind: "username", value: qb.username }, { kind: "password", value: "wrong-Pw-000" }],
      refusal: { message: /qBittorrent/ },
      close: () => qb.stop(),
    };
  },
});

// The version matrix (emulator.ts): 4.x (pause/resume, 200 logins), 5.0–5.1 (stop/start), 5.2+ (204/401 logins, API keys).
kindContract({
  kind: "qBittorrent",
  releases: [
    emulated("4.x", "4.1.0", "password"),
    emulated("4.x", "4.6.7", "password"),
    emulated("5.0", "5.1.2", "password"),
    emulated("5.2", "5.2.3", "password"),
    emulated("5.2", "5.2.3", "apiKey"),
    real(debian12),
    real(debian13),
  ],
});
