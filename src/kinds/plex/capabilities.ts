import { z } from "zod";
import type { PlaybackSession } from "../../engine/capabilities.js";
import { call, parse } from "../../engine/kit.js";
import type { Capability, TestContext } from "../../engine/types.js";

/**
 * `mediaServer.sessions` for Plex Media Server: `GET /status/sessions` with `Accept: application/json` →
 * `MediaContainer.Metadata[]`, one entry per playback (python-plexapi plexapi/server.py `sessions()`;
 * fields per plexapi/base.py PlexSession and plexapi/media.py `Session`, `TranscodeSession`,
 * plexapi/client.py `PlexClient` for `Player`): `type` (movie, episode, track, clip…), `title`,
 * `grandparentTitle` (the show of an episode), `viewOffset` and `duration` (ms), `User.title`,
 * `Player.state` (playing | paused | buffering), `Player.title` (device) / `Player.product` (app),
 * `Session.id`, and `TranscodeSession` (present while PMS transcodes; `videoDecision`/`audioDecision` say
 * "transcode", "copy" or "directplay"). Thumbnails (`thumb`, `User.thumb`) are not passed on: library
 * images need the X-Plex-Token, which must never reach a URL handed to users.
 */
const Item = z.object({
  sessionKey: z.union([z.string(), z.number()]).nullish(),
  type: z.string().nullish(),
  title: z.string(),
  grandparentTitle: z.string().nullish(),
  viewOffset: z.number().nonnegative().nullish(),
  duration: z.number().nonnegative().nullish(),
  User: z.object({ title: z.string().nullish() }).nullish(),
  Player: z.object({ state: z.string().nullish(), title: z.string().nullish(), product: z.string().nullish(), machineIdentifier: z.string().nullish() }).nullish(),
  Session: z.object({ id: z.string().nullish() }).nullish(),
  TranscodeSession: z.object({ videoDecision: z.string().nullish(), audioDecision: z.string().nullish() }).nullish(),
});
const SessionsContainer = z.object({ MediaContainer: z.object({ size: z.number().optional(), Metadata: z.array(Item).optional() }) });

const TYPES: Record<string, PlaybackSession["type"]> = { movie: "movie", episode: "episode", track: "track" };
const STATES: Record<string, PlaybackSession["state"]> = { playing: "playing", paused: "paused", buffering: "buffering" };

export function plexHeaders(ctx: TestContext): Record<string, string> {
  return { "x-plex-token": ctx.secrets.apiKey ?? "", accept: "application/json", "x-plex-product": "Patchbay", "x-plex-client-identifier": "patchbay" };
}

export const mediaServer: Capability<"mediaServer"> = {
  async sessions(ctx) {
    const res = await call(ctx, { path: "/status/sessions", headers: plexHeaders(ctx) });
    const items = parse(ctx, res, SessionsContainer).MediaContainer.Metadata ?? [];
    const sessions = items.map((m, i): PlaybackSession => {
      const transcode = m.TranscodeSession;
      const device = m.Player?.title || undefined;
      const client = m.Player?.product || undefined;
      return {
        id: m.Session?.id || String(m.sessionKey ?? i),
        user: { name: m.User?.title || "unknown" },
        title: m.title,
        type: TYPES[m.type ?? ""] ?? "other",
        ...(m.type === "episode" && m.grandparentTitle ? { series: m.grandparentTitle } : {}),
        state: STATES[m.Player?.state ?? ""] ?? "unknown",
        ...(m.viewOffset !== null && m.viewOffset !== undefined ? { positionMs: m.viewOffset } : {}),
        ...(m.duration !== null && m.duration !== undefined ? { durationMs: m.duration } : {}),
        transcoding: !!transcode && (transcode.videoDecision === "transcode" || transcode.audioDecision === "transcode"),
        ...(device ? { device } : {}),
        ...(client ? { client } : {}),
      };
    });
    return { sessions };
  },
};
