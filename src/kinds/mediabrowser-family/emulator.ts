/**
 * What Jellyfin and Emby share in their emulators: `GET /Sessions` answers an array of SessionInfo
 * (jellyfin/jellyfin v10.10.0 and v10.11.0 Jellyfin.Api/Controllers/SessionController.cs → SessionInfoDto,
 * MediaBrowser.Model/Dto/SessionInfoDto.cs; Emby REST API reference SessionsService getSessions,
 * https://dev.emby.media/reference/RestAPI/SessionsService/getSessions.html). Fields read: `Id`, `UserName`,
 * `Client`, `DeviceName`, `NowPlayingItem` (a BaseItemDto: `Name`, `Type`, `SeriesName`, `RunTimeTicks`),
 * `PlayState` (`PositionTicks`, `IsPaused`, `PlayMethod`: Transcode | DirectStream | DirectPlay —
 * MediaBrowser.Model/Session/PlayerStateInfo.cs, PlayMethod.cs) and `TranscodingInfo`. Ticks are 100 ns.
 * Sessions without `NowPlayingItem` are idle clients (a browser on the dashboard).
 */
export function sampleSessions(serverId: string): Record<string, unknown>[] {
  const common = { ServerId: serverId, PlayableMediaTypes: ["Audio", "Video"], SupportsRemoteControl: true, IsActive: true, LastActivityDate: "2026-12-01T12:00:00.0000000Z" };
  return [
    {
      ...common,
      Id: "7c2f0a9e1b3d4c5e6f708192a3b4c5d6",
      UserId: "d0c1b2a3948576a5b4c3d2e1f0a9b8c7",
      UserName: "alice",
      Client: "Jellyfin Web",
      DeviceName: "Firefox",
      DeviceId: "dev-1",
      NowPlayingItem: { Name: "The Rains of Castamere", Type: "Episode", SeriesName: "Game of Thrones", RunTimeTicks: 31_860_000_000, Id: "e1" },
      PlayState: { PositionTicks: 12_000_000_000, IsPaused: false, PlayMethod: "Transcode", CanSeek: true },
      TranscodingInfo: { IsVideoDirect: false, IsAudioDirect: true, VideoCodec: "h264", Container: "ts", CompletionPercentage: 41.2 },
    },
    {
      ...common,
      Id: "8d3e1b0f2c4e5d6f708192a3b4c5d6e7",
      UserId: "a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4",
      UserName: "bob",
      Client: "Android TV",
      DeviceName: "Living room",
      DeviceId: "dev-2",
      NowPlayingItem: { Name: "Pulp Fiction", Type: "Movie", RunTimeTicks: 92_400_000_000, Id: "m1" },
      PlayState: { PositionTicks: 600_000_000, IsPaused: true, PlayMethod: "DirectPlay", CanSeek: true },
    },
    {
      ...common,
      Id: "9e4f2c1a3d5f6e708192a3b4c5d6e7f8",
      UserName: "carol",
      Client: "Finamp",
      DeviceName: "Phone",
      DeviceId: "dev-3",
      NowPlayingItem: { Name: "Hymn", Type: "Audio", Album: "Songs", RunTimeTicks: 2_400_000_000, Id: "a1" },
      PlayState: { PositionTicks: 300_000_000, IsPaused: false, PlayMethod: "DirectStream" },
    },
    // An idle client: no NowPlayingItem, not a playback.
    { ...common, Id: "0a5b3d2e4f6a7b8c9d0e1f2a3b4c5d6e", UserName: "alice", Client: "Jellyfin Web", DeviceName: "Chrome", DeviceId: "dev-4", PlayState: { CanSeek: false } },
  ];
}

/** The PlaybackSession values `sampleSessions` must map to (the same for Jellyfin and Emby). */
export const expectedSessions = [
  {
    id: "7c2f0a9e1b3d4c5e6f708192a3b4c5d6",
    user: { name: "alice" },
    title: "The Rains of Castamere",
    type: "episode",
    series: "Game of Thrones",
    state: "playing",
    positionMs: 1_200_000,
    durationMs: 3_186_000,
    transcoding: true,
    device: "Firefox",
    client: "Jellyfin Web",
  },
  { id: "8d3e1b0f2c4e5d6f708192a3b4c5d6e7", user: { name: "bob" }, title: "Pulp Fiction", type: "movie", state: "paused", positionMs: 60_000, durationMs: 9_240_000, transcoding: false, device: "Living room", client: "Android TV" },
  { id: "9e4f2c1a3d5f6e708192a3b4c5d6e7f8", user: { name: "carol" }, title: "Hymn", type: "track", state: "playing", positionMs: 30_000, durationMs: 240_000, transcoding: false, device: "Phone", client: "Finamp" },
];
