import { kindContract, type Release } from "../testing/contract.js";
import { startAdGuardHome } from "./emulator.js";

const USER = "agh-operator";
const PASSWORD = "agh-password-Zq7#kL2";

function release(version: string): Release {
  return {
    label: `AdGuard Home ${version} (emulated)`,
    async start() {
      const agh = await startAdGuardHome({ users: [{ name: USER, password: PASSWORD }], version });
      return {
        url: agh.url,
        secrets: [
          { kind: "username", value: USER },
          { kind: "password", value: PASSWORD },
        ],
        wrongSecrets: [
          { kind: "username", value: USER },
          { kind: "password", value: "agh-wrong-password-55" },
        ],
        version: version.slice(1),
        close: () => agh.close(),
      };
    },
  };
}

// The matrix: the oldest supported release, the one that added the protection pause (v0.107.28, CHANGELOG.md) and
// the newest stable one.
kindContract({
  kind: "adguardHome",
  releases: [release("v0.107.0"), release("v0.107.28"), release("v0.107.79")],
  tooOld: release("v0.106.3"),
});
