import { kindContract } from "../testing/contract.js";
import { available, startNzbget } from "./real.js";

// NZBGet's matrix: Debian 12's real 21.0 (another release plugs in through the harness's `binary`).
kindContract({
  kind: "nzbget",
  releases: [
    {
      label: "Debian 12 nzbget (real)",
      available,
      async start() {
        const nz = await startNzbget({ username: "nzb-contract-user" });
        const creds = (password: string) => [
          { kind: "username" as const, value: nz.credentials.username },
          { kind: "password" as const, value: password },
        ];
        return { url: nz.url, version: nz.version, secrets: creds(nz.credentials.password), wrongSecrets: creds("wrong-Pw-000"), close: () => nz.stop() };
      },
    },
  ],
});
