import { SimpleGrid, Text } from "@mantine/core";
import { CardShell, Sections, type CardProps } from "./CardShell";
import { bytes, useLive } from "./live";

/** Transcoding: Tdarr's figures. */
export function TranscodingCard({ integrations }: CardProps) {
  const live = useLive("transcoding");
  const fmt = new Intl.NumberFormat();
  return (
    <CardShell title="Transcoding" testId="card-transcoding">
      <Sections
        live={live}
        integrations={integrations}
        render={(d) => (
          <SimpleGrid cols={{ base: 2, xs: 3 }} spacing="xs">
            {([["Queued", fmt.format(d.queued)], ["Processed", fmt.format(d.processed)], ["Errored", fmt.format(d.errored)], ["Saved", bytes(Math.max(0, d.savedBytes))], ["Workers", fmt.format(d.workers)]] as const).map(([label, value]) => (
              <div key={label}>
                <Text size="xs" c="dimmed">{label}</Text>
                <Text fw={600}>{value}</Text>
              </div>
            ))}
          </SimpleGrid>
        )}
      />
    </CardShell>
  );
}
