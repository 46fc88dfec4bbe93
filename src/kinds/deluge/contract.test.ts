import { kindContract } from "../testing/contract.js";
import { available, startDeluge } from "./real.js";

// Deluge's matrix: Debian 12's real 2.0.3 (Debian 13's 2.2 to be plugged in through the harness's `binaries`).
kindContract({
  kind: "deluge",
  releases: [
    {
      label: "Debian 12 deluged + deluge-web (real)",
      available,
      async start() {
        const dl = await startDeluge();
        return {
          url: dl.url,
          version: dl.version,
          secrets: [{ kind: "password", value: dl.password }],
          wrongSecrets: [{ kind: "password", value: "wrong-Pw-000" }],
          close: () => dl.stop(),
        };
      },
    },
  ],
});
