import { kindContract, type Release } from "../testing/contract.js";
import { piholeV5Token, startPihole, type PiholeOptions } from "./emulator.js";

const PASSWORD = "v6-web-password-Tr0ub4dor&3";
const V5_TOKEN = piholeV5Token("v5-web-password-correct-horse");

function release(label: string, opts: PiholeOptions, key: string, wrong: string, version: string): Release {
  return {
    label,
    async start() {
      const ph = await startPihole(opts);
      return { url: ph.url, secrets: [{ kind: "apiKey", value: key }], wrongSecrets: [{ kind: "apiKey", value: wrong }], version, close: () => ph.close() };
    },
  };
}

// The matrix: v5 before web v5.18 (status/summary answered without a token) and after it, the first v6 API and the
// newest (pi-hole/FTL v6.0 and v6.4.1: the endpoints Patchbay uses did not change between them).
kindContract({
  kind: "pihole",
  releases: [
    release("Pi-hole v5.0 / web v5.0 (emulated)", { version: 5, password: "v5-web-password-correct-horse", coreVersion: "v5.0", webVersion: "v5.0" }, V5_TOKEN, piholeV5Token("x"), "5.0"),
    release("Pi-hole v5.18.3 / web v5.21 (emulated)", { version: 5, password: "v5-web-password-correct-horse", coreVersion: "v5.18.3", webVersion: "v5.21" }, V5_TOKEN, piholeV5Token("x"), "5.18.3"),
    release("Pi-hole v6.0 (emulated)", { version: 6, password: PASSWORD, coreVersion: "v6.0" }, PASSWORD, "wrong-password-xyz", "6.0"),
    release("Pi-hole v6 with FTL v6.4.1 (emulated)", { version: 6, password: PASSWORD, coreVersion: "v6.4.1" }, PASSWORD, "wrong-password-xyz", "6.4.1"),
  ],
});
