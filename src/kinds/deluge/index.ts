import { z } from "zod";
import { defineKind, TestFailure } from "../../engine/types.js";
import { downloads } from "./capabilities.js";
import { HINT, openDeluge } from "./session.js";

const Version = z.string().min(1);

/** Deluge's web UI JSON-RPC (session.ts); the version is the daemon's. */
export default defineKind({
  kind: "deluge",
  name: "Deluge",
  categories: ["download"],
  secretOptions: [["password"]],
  defaultPort: 8112,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/deluge.svg",
  docsUrl: "https://deluge.readthedocs.io/en/latest/reference/webapi.html",
  minVersion: "2.0",
  credentialHint: HINT,
  async test(ctx) {
    const s = await openDeluge(ctx);
    // Deluge 1.3 has no daemon.get_version; daemon.info answers its version (which then is too old).
    for (const method of ["daemon.get_version", "daemon.info"]) {
      const r = await s.raw(method);
      const v = Version.safeParse(r.result);
      if (!r.error && v.success) return { version: v.data };
    }
    throw new TestFailure("UNEXPECTED_RESPONSE", "Deluge is connected to its daemon but did not tell its version (daemon.get_version).");
  },
  capabilities: { downloads },
});
