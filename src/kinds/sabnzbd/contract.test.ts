import { kindContract } from "../testing/contract.js";
import { available, startSabnzbd } from "./real.js";

// SABnzbd's matrix: Debian 12's real 3.7.1 (another release plugs in through the harness's `binary`).
kindContract({
  kind: "sabnzbd",
  releases: [
    {
      label: "Debian 12 sabnzbdplus (real)",
      available,
      async start() {
        const sab = await startSabnzbd();
        return {
          url: sab.url,
          version: sab.version,
          secrets: [{ kind: "apiKey", value: sab.credentials.apiKey }],
          wrongSecrets: [{ kind: "apiKey", value: "0000000000000000000000000000dead" }],
          close: () => sab.stop(),
        };
      },
    },
  ],
});
