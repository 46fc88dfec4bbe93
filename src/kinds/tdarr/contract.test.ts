import { kindContract } from "../testing/contract.js";
import { startTdarr } from "./emulator.js";

const KEY = "tapi_contract_key_0123456789";
const WRONG = "tapi_contract_key_wrong_0000";

// Tdarr 2.x with authentication on (see emulator.ts for the routes and their upstream sources).
const release = (version: string) => ({
  label: `Tdarr ${version} (emulated, auth on)`,
  async start() {
    const t = await startTdarr({ auth: true, apiKeys: [KEY], version });
    return { url: t.url, secrets: [{ kind: "apiKey" as const, value: KEY }], wrongSecrets: [{ kind: "apiKey" as const, value: WRONG }], version, close: () => t.close() };
  },
});

kindContract({ kind: "tdarr", releases: [release("2.0.0"), release("2.27.02")], tooOld: release("1.9.0") });
