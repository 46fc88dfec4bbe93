import { z } from "zod";
import { defineKind, TestFailure } from "../../engine/types.js";
import { downloads } from "./capabilities.js";
import { call, HINT } from "./rpc.js";

const Version = z.object({ version: z.string(), enabledFeatures: z.array(z.string()) });

/** aria2 JSON-RPC (rpc.ts); the version comes from aria2.getVersion. */
export default defineKind({
  kind: "aria2",
  name: "aria2",
  categories: ["download"],
  secretOptions: [["token"]],
  defaultPort: 6800,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/aria2.svg",
  docsUrl: "https://aria2.github.io/manual/en/html/aria2c.html#rpc-interface",
  // The "token:" secret (--rpc-secret) exists since aria2 1.18.4.
  minVersion: "1.18.4",
  credentialHint: HINT,
  async test(ctx) {
    const { version } = await call(ctx, "aria2.getVersion", [], Version);
    if (!/^\d+\.\d+/.test(version) || version.length > 40) {
      throw new TestFailure("UNEXPECTED_RESPONSE", "This address does not answer like aria2's JSON-RPC interface (POST /jsonrpc). Check the URL and port (6800 by default).");
    }
    return { version };
  },
  capabilities: { downloads },
});
