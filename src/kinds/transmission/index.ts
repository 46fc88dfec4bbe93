import { z } from "zod";
import { defineKind, TestFailure } from "../../engine/types.js";
import { downloads } from "./capabilities.js";
import { HINT, notTransmission, rpc } from "./rpc.js";

const Session = z.object({ version: z.string().optional(), "rpc-version": z.number().optional() });

/** Transmission RPC (rpc.ts); the version comes from session-get. */
export default defineKind({
  kind: "transmission",
  name: "Transmission",
  categories: ["download"],
  secretOptions: [["username", "password"]],
  defaultPort: 9091,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/transmission.svg",
  docsUrl: "https://github.com/transmission/transmission/blob/main/docs/rpc-spec.md",
  // RPC version 15 (Transmission 2.80) is the oldest one whose session-get fields we read.
  minVersion: "2.80",
  credentialHint: HINT,
  async test(ctx) {
    const args = await rpc(ctx, "session-get", {}, Session);
    const version = args.version;
    const rpcVersion = args["rpc-version"];
    if (!version && rpcVersion === undefined) throw notTransmission(200);
    if (!version) {
      // Very old daemons: only the RPC version is known.
      if (rpcVersion !== undefined && rpcVersion < 15) {
        throw new TestFailure("UNSUPPORTED_VERSION", `This Transmission speaks RPC version ${rpcVersion}; Patchbay needs RPC 15 (Transmission 2.80) or newer. Update Transmission.`, {
          rpcVersion,
        });
      }
      return {};
    }
    // "3.00 (bb6b5a062e)" → "3.00"
    return { version: version.trim().split(/\s+/)[0]! };
  },
  capabilities: { downloads },
});
