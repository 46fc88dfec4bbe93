import { kindContract } from "../testing/contract.js";
import { startHealthchecks } from "./emulator.js";

const KEY = "hcw_Ab3dEf6hIj9kLm2nOp5qRs8tUv1w";
const WRONG = "hcw_0000000000000000000000000000";

// Healthchecks has one API generation (v3, see emulator.ts) and reports no version.
kindContract({
  kind: "healthchecks",
  releases: [
    {
      label: "Healthchecks API v3 (emulated)",
      async start() {
        const hc = await startHealthchecks({ apiKey: KEY });
        return { url: hc.url, secrets: [{ kind: "apiKey", value: KEY }], wrongSecrets: [{ kind: "apiKey", value: WRONG }], close: () => hc.close() };
      },
    },
  ],
});
