import { describe, expect, it } from "vitest";
import { mediaBrowserSessionsSuite } from "../mediabrowser-family/capability-suite.js";
import { runCapability } from "../testing/media-capabilities.js";
import { startJellyfin } from "./emulator.js";

const KEY = "3f1c9a7e5b2d4c6e8a0b1d3f5e7c9a2b";
const PASSWORD = "Pa55!word'(x)";

mediaBrowserSessionsSuite({
  kind: "jellyfin",
  releases: [
    { label: "Jellyfin 10.10.0 (emulated)", start: () => startJellyfin({ apiKey: KEY, version: "10.10.0" }) },
    { label: "Jellyfin 10.11.11, legacy authorization off (emulated)", start: () => startJellyfin({ apiKey: KEY, version: "10.11.11", legacyAuthorization: false }) },
  ],
  secrets: { apiKey: KEY },
  wrongSecrets: { apiKey: "00000000000000000000000000000000" },
});

describe("jellyfin mediaServer.sessions with username and password", () => {
  it("signs in, reads the sessions and signs out again", async () => {
    const jf = await startJellyfin({ apiKey: KEY, users: { alice: PASSWORD }, version: "10.11.11" });
    try {
      const r = await runCapability("jellyfin", jf.url, { username: "alice", password: PASSWORD }, (ctx, def) => def.capabilities!.mediaServer!.sessions(ctx));
      expect(r.ok && r.value.sessions.length).toBe(3);
      expect(jf.stats).toEqual({ logins: 1, logouts: 1 });
      const bad = await runCapability("jellyfin", jf.url, { username: "alice", password: "nope" }, (ctx, def) => def.capabilities!.mediaServer!.sessions(ctx));
      expect(!bad.ok && bad.error.code).toBe("INVALID_CREDENTIALS");
    } finally {
      await jf.close();
    }
  });
});
