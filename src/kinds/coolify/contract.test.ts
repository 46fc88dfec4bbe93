import { kindContract } from "../testing/contract.js";
import { startCoolify } from "./emulator.js";

const TOKEN = "3|coolify-contract-token-0123456789";
const WRONG = "3|coolify-contract-token-wrong00000";

// Coolify v4 (see emulator.ts for the routes and their upstream sources); 3.x had no API at all.
const release = (version: string) => ({
  label: `Coolify ${version} (emulated)`,
  async start() {
    const c = await startCoolify({ tokens: [TOKEN], version });
    return { url: c.url, secrets: [{ kind: "apiKey" as const, value: TOKEN }], wrongSecrets: [{ kind: "apiKey" as const, value: WRONG }], version, close: () => c.close() };
  },
});

kindContract({ kind: "coolify", releases: [release("4.0.0-beta.420"), release("4.0.0")] });
