import { Badge, Group, Progress, Stack, Text } from "@mantine/core";
import { CardShell, Sections, type CardProps } from "./CardShell";
import { duration, useLive } from "./live";

/** Now playing across Plex/Jellyfin/Emby: who, what, progress, and whether the server transcodes. */
export function NowPlayingCard({ integrations }: CardProps) {
  const live = useLive("mediaServer");
  return (
    <CardShell title="Now playing" testId="card-now-playing">
      <Sections
        live={live}
        integrations={integrations}
        render={(d) =>
          d.sessions.length === 0 ? (
            <Text size="sm" c="dimmed">Nobody is playing anything.</Text>
          ) : (
            <Stack gap={8}>
              {d.sessions.map((s) => (
                <div key={s.id} data-testid="playback-session">
                  <Group justify="space-between" gap={6} wrap="nowrap">
                    <Text size="sm" truncate="end" style={{ minWidth: 0, flex: 1 }}>
                      {s.series ? `${s.series} · ` : ""}
                      {s.title}
                    </Text>
                    {s.transcoding ? <Badge size="xs" color="orange" variant="light">Transcoding</Badge> : <Badge size="xs" color="teal" variant="light">Direct</Badge>}
                  </Group>
                  {s.durationMs ? <Progress value={(100 * (s.positionMs ?? 0)) / s.durationMs} size="xs" mt={4} aria-label={`${s.title} progress`} /> : null}
                  <Text size="xs" c="dimmed">
                    {s.user.name} · {s.state}
                    {s.device ? ` · ${s.device}` : ""}
                    {s.durationMs ? ` · ${duration((s.positionMs ?? 0) / 1000)} of ${duration(s.durationMs / 1000)}` : ""}
                  </Text>
                </div>
              ))}
            </Stack>
          )
        }
      />
    </CardShell>
  );
}
