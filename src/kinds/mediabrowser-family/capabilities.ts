import { z } from "zod";
import type { PlaybackSession } from "../../engine/capabilities.js";
import { parse } from "../../engine/kit.js";
import type { Capability } from "../../engine/types.js";
import { mbOk, newDeviceId, openSession, readPublicInfo, type Flavor } from "./adapter.js";

/**
 * `mediaServer.sessions` for Jellyfin and Emby: `GET /Sessions` (Jellyfin 10.10/10.11 SessionController,
 * Emby SessionsService getSessions — field facts in emulator.ts). Only sessions playing something are
 * returned; ticks (100 ns) become milliseconds; `PlayMethod: "Transcode"` is transcoding.
 */
const Ticks = z.number().nonnegative();
const SessionInfo = z.object({
  Id: z.string(),
  UserName: z.string().nullish(),
  Client: z.string().nullish(),
  DeviceName: z.string().nullish(),
  NowPlayingItem: z
    .object({ Name: z.string().nullish(), Type: z.string().nullish(), SeriesName: z.string().nullish(), RunTimeTicks: Ticks.nullish() })
    .nullish(),
  PlayState: z.object({ PositionTicks: Ticks.nullish(), IsPaused: z.boolean().nullish(), PlayMethod: z.string().nullish() }).nullish(),
  TranscodingInfo: z.object({ IsVideoDirect: z.boolean().nullish(), IsAudioDirect: z.boolean().nullish() }).nullish(),
});
const Sessions = z.array(SessionInfo);

const TYPES: Record<string, PlaybackSession["type"]> = { Movie: "movie", Episode: "episode", Audio: "track" };

const ms = (ticks: number | null | undefined) => (ticks === null || ticks === undefined ? undefined : Math.round(ticks / 10_000));

export function mediaBrowserSessions(flavor: Flavor): Capability<"mediaServer"> {
  return {
    async sessions(ctx) {
      await readPublicInfo(ctx, flavor);
      const deviceId = newDeviceId();
      const session = await openSession(ctx, flavor, deviceId);
      const list = parse(ctx, await mbOk(ctx, flavor, deviceId, session, "/Sessions"), Sessions);
      const sessions: PlaybackSession[] = [];
      for (const s of list) {
        const item = s.NowPlayingItem;
        if (!item?.Name) continue;
        const play = s.PlayState;
        const transcodeInfo = s.TranscodingInfo;
        const positionMs = ms(play?.PositionTicks);
        const durationMs = ms(item.RunTimeTicks);
        sessions.push({
          id: s.Id,
          user: { name: s.UserName || "unknown" },
          title: item.Name,
          type: TYPES[item.Type ?? ""] ?? "other",
          ...(item.Type === "Episode" && item.SeriesName ? { series: item.SeriesName } : {}),
          state: play?.IsPaused ? "paused" : "playing",
          ...(positionMs !== undefined ? { positionMs } : {}),
          ...(durationMs !== undefined ? { durationMs } : {}),
          transcoding: play?.PlayMethod === "Transcode" || (!!transcodeInfo && (transcodeInfo.IsVideoDirect === false || transcodeInfo.IsAudioDirect === false)),
          ...(s.DeviceName ? { device: s.DeviceName } : {}),
          ...(s.Client ? { client: s.Client } : {}),
        });
      }
      return { sessions };
    },
  };
}
