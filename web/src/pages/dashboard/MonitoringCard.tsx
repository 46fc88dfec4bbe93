import { Anchor, Badge, Group, Stack, Text } from "@mantine/core";
import { CardShell, Sections, type CardProps } from "./CardShell";
import { useLive } from "./live";

const COLORS = { up: "green", down: "red", degraded: "orange", paused: "gray", unknown: "gray" } as const;

/** Monitoring: Healthchecks/Coolify statuses. */
export function MonitoringCard({ integrations }: CardProps) {
  const live = useLive("monitoring");
  return (
    <CardShell title="Monitoring" testId="card-monitoring">
      <Sections
        live={live}
        integrations={integrations}
        render={(d) => (
          <Stack gap={4}>
            {d.items.length === 0 && <Text size="sm" c="dimmed">Nothing monitored.</Text>}
            {[...d.items].sort((a, b) => Number(a.status === "up") - Number(b.status === "up")).map((x) => (
              <Group key={x.id} justify="space-between" gap={6} wrap="nowrap">
                {x.link ? <Anchor href={x.link} target="_blank" rel="noreferrer" size="sm" truncate="end">{x.name}</Anchor> : <Text size="sm" truncate="end">{x.name}</Text>}
                <Badge size="xs" variant="light" color={COLORS[x.status]} title={x.detail}>{x.status}</Badge>
              </Group>
            ))}
          </Stack>
        )}
      />
    </CardShell>
  );
}
