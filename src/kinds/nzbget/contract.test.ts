import { kindContract, type Release } from "../testing/contract.js";
import { startNzbgetEmulator } from "./emulator.js";
import { available, startNzbget } from "./real.js";

const creds = (username: string, password: string) => [
  { kind: "username" as const, value: username },
  { kind: "password" as const, value: password },
];
const USER = "nzb-contract-user";
const PASS = "nzb-contract-Pw-5c0";
// 401 with realm "NZBGet" (emulator.ts `unauthorized`).
const REFUSAL = { statusCode: 401, message: /NZBGet rejected the username or password/ };

const emulated = (version: string): Release => ({
  label: `NZBGet ${version} (emulated)`,
  async start() {
    const nz = await startNzbgetEmulator({ version, username: USER, password: PASS });
    return { url: nz.url, version, secrets: creds(USER, PASS), wrongSecrets: creds(USER, "wrong-Pw-000"), refusal: REFUSAL, close: () => nz.close() };
  },
});

// NZBGet's matrix (emulator.ts): v21.0 as Debian 12 ships it, emulated and real, and the newest 25.x (v25.4:
// 64-bit DownloadRateLo/Hi, URL-decoded path credentials).
kindContract({
  kind: "nzbget",
  releases: [
    emulated("21.0"),
    emulated("25.4"),
    {
      label: "Debian 12 nzbget (real)",
      available,
      async start() {
        const nz = await startNzbget({ username: USER });
        return {
          url: nz.url,
          version: nz.version,
          secrets: creds(USER, nz.credentials.password),
          wrongSecrets: creds(USER, "wrong-Pw-000"),
          refusal: REFUSAL,
          close: () => nz.stop(),
        };
      },
    },
  ],
  // The kind's floor is 12.0 (index.ts); 11.0's JSON-RPC answers `version` alike.
  tooOld: emulated("11.0"),
});
