import { kindContract, type Release } from "../testing/contract.js";
import { startTransmissionEmulator, type TrRelease } from "./emulator.js";
import { debian12, debian13, releaseAvailable, type DaemonRelease } from "../testing/release.js";
import { startTransmission } from "./real.js";

const USER = "tr-contract-user";
const PASS = "tr-contract-Pw-4b1";
// HTTP Basic: 401 with realm "Transmission" (emulator.ts).
const REFUSAL = { statusCode: 401, message: /Transmission/ };
const creds = (username: string, password: string) => [
  { kind: "username" as const, value: username },
  { kind: "password" as const, value: password },
];

const emulated = (release: TrRelease, version: string): Release => ({
  label: `Transmission ${release} (emulated)`,
  async start() {
    const tr = await startTransmissionEmulator({ release, username: USER, password: PASS });
    return { url: tr.url, version, secrets: creds(USER, PASS), wrongSecrets: creds(USER, "wrong-Pw-000"), refusal: REFUSAL, close: () => tr.close() };
  },
});

// The version matrix (emulator.ts): 3.00 (Debian 12), 4.0, 4.1 (Debian 13).
// The real daemons of two Debian releases: 3.00 (Debian 12) and 4.1 (Debian 13, src/kinds/testing/release.ts).
const real = (release: DaemonRelease): Release => ({
  label: `${release.label} transmission-daemon (real)`,
  available: () => releaseAvailable(release, ["transmission-daemon"], "Transmission"),
  async start() {
    const tr = await startTransmission({ username: USER, release });
    return { url: tr.url, version: tr.version, secrets: creds(USER, tr.password), wrongSecrets: creds(USER, "wrong-Pw-000"), refusal: REFUSAL, close: () => tr.stop() };
  },
});

kindContract({
  kind: "transmission",
  releases: [
    emulated("3.00", "3.00"),
    emulated("4.0", "4.0.6"),
    emulated("4.1", "4.1.0"),
    real(debian12),
    real(debian13),
  ],
});
