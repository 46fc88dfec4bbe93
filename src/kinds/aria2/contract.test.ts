import { kindContract } from "../testing/contract.js";
import { available, startAria2 } from "./real.js";

// aria2's matrix: Debian 12's real 1.36 (Debian 13's 1.37 to be plugged in through the harness's `binary`).
kindContract({
  kind: "aria2",
  releases: [
    {
      label: "Debian 12 aria2c (real)",
      available,
      async start() {
        const ar = await startAria2();
        return {
          url: ar.url,
          version: ar.version,
          secrets: [{ kind: "token", value: ar.credentials.token! }],
          wrongSecrets: [{ kind: "token", value: "wrong-token-000" }],
          close: () => ar.stop(),
        };
      },
    },
  ],
});
