import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaSessions } from "../../engine/capabilities.js";
import { runCapability } from "../testing/media-capabilities.js";
import { startPlex, type PlexEmulator } from "./emulator.js";

const TOKEN = "plexTok-9fQ2xZr7LmW4";
const sessions = (url: string, token: string) => runCapability("plex", url, { apiKey: token }, (ctx, def) => def.capabilities!.mediaServer!.sessions(ctx));

for (const version of ["1.20.5.3600-47c0d9038", "1.41.3.9314-a0bfb8370"]) {
  describe(`plex mediaServer.sessions against PMS ${version} (emulated)`, () => {
    let plex: PlexEmulator;
    beforeAll(async () => {
      plex = await startPlex({ token: TOKEN, version });
    });
    afterAll(() => plex?.close());

    it("maps playbacks: progress, player state, transcoding, device and app; no image URL, no token", async () => {
      const r = await sessions(plex.url, TOKEN);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
      expect(MediaSessions.parse(r.value)).toEqual({
        sessions: [
          { id: "a1b2c3d4e5f6a7b8c9d0e1f2", user: { name: "alice" }, title: "Pulp Fiction", type: "movie", state: "playing", positionMs: 1_234_000, durationMs: 9_240_000, transcoding: true, device: "Living Room TV", client: "Plex for Android (TV)" },
          {
            id: "b2c3d4e5f6a7b8c9d0e1f2a3",
            user: { name: "bob" },
            title: "The Rains of Castamere",
            type: "episode",
            series: "Game of Thrones",
            state: "paused",
            positionMs: 60_000,
            durationMs: 3_186_000,
            transcoding: false,
            device: "Firefox",
            client: "Plex Web",
          },
          { id: "c3d4e5f6a7b8c9d0e1f2a3b4", user: { name: "carol" }, title: "Hymn", type: "track", state: "buffering", positionMs: 30_000, durationMs: 240_000, transcoding: false, device: "Phone", client: "Plexamp" },
        ],
      });
      const text = JSON.stringify(r.value);
      expect(text).not.toContain(TOKEN);
      expect(text).not.toMatch(/thumb|\/library\/|https?:/);
      const call = plex.requests.find((q) => q.url === "/status/sessions");
      expect(call?.headers["x-plex-token"]).toBe(TOKEN);
      expect(call?.headers.accept).toContain("application/json");
    });

    it("nobody playing (PMS leaves Metadata out) is an empty list", async () => {
      plex.state.playing = [];
      expect(await sessions(plex.url, TOKEN)).toEqual({ ok: true, value: { sessions: [] } });
      plex.state.playing = undefined;
    });

    it("a wrong token is INVALID_CREDENTIALS; a 500 is HTTP_ERROR; another shape is UNEXPECTED_RESPONSE", async () => {
      const bad = await sessions(plex.url, "wrong-token-Q7");
      expect(!bad.ok && bad.error.code).toBe("INVALID_CREDENTIALS");
      expect(JSON.stringify(bad)).not.toContain("wrong-token-Q7");
      plex.state.failData = 500;
      const failed = await sessions(plex.url, TOKEN);
      expect(!failed.ok && failed.error.code).toBe("HTTP_ERROR");
      plex.state.failData = undefined;
      plex.state.malformed = true;
      const odd = await sessions(plex.url, TOKEN);
      expect(!odd.ok && odd.error.code).toBe("UNEXPECTED_RESPONSE");
      plex.state.malformed = false;
    });
  });
}
