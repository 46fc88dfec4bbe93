import { z } from "zod";
import { defineKind, TestFailure } from "../../engine/types.js";
import { api, HINT } from "./api.js";
import { downloads } from "./capabilities.js";

// mode=version and mode=auth answer to any key (a wrong key would pass), so the queue is the proof; it also
// carries the version.
const Queue = z.object({ queue: z.object({ version: z.string() }) });

export default defineKind({
  kind: "sabnzbd",
  name: "SABnzbd",
  categories: ["download", "usenet"],
  secretOptions: [["apiKey"]],
  defaultPort: 8080,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/sabnzbd.svg",
  docsUrl: "https://sabnzbd.org/wiki/configuration/3.7/api",
  // SABnzbd 3 (Python 3, 2020) is the oldest line still maintained; its queue API is what we read.
  minVersion: "3.0.0",
  credentialHint: HINT,
  async test(ctx) {
    const { version } = (await api(ctx, { mode: "queue", limit: 1 }, Queue)).queue;
    if (!/^\d+\.\d+/.test(version) || version.length > 40) {
      throw new TestFailure("UNEXPECTED_RESPONSE", "This address does not answer like SABnzbd's API (/api?mode=queue). Check the URL and port (8080 by default).");
    }
    return { version };
  },
  capabilities: { downloads },
});
