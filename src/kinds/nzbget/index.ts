import { z } from "zod";
import { defineKind } from "../../engine/types.js";
import { downloads } from "./capabilities.js";
import { HINT, rpc } from "./rpc.js";

// "21.0"; a JSON-RPC server whose `version` is something else is not NZBGet.
const Version = z.string().regex(/^\d+(\.\d+)+/).max(40);

/** NZBGet JSON-RPC (rpc.ts); the version from the `version` method. */
export default defineKind({
  kind: "nzbget",
  name: "NZBGet",
  categories: ["download", "usenet"],
  secretOptions: [["username", "password"]],
  defaultPort: 6789,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/nzbget.svg",
  docsUrl: "https://nzbget.com/documentation/api/",
  // The JSON-RPC API with the version/status/listgroups methods we rely on is stable since NZBGet 12 (2013).
  minVersion: "12.0",
  credentialHint: HINT,
  async test(ctx) {
    return { version: await rpc(ctx, "version", [], Version) };
  },
  capabilities: { downloads },
});
