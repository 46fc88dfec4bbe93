import { Badge, Button, Checkbox, Group, Modal, Progress, ScrollArea, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, type IntegrationItem } from "../../api";
import { canInteract, CardShell, Sections, type CardProps } from "./CardShell";
import { bytes, duration, useAction, useLive, type DataOf } from "./live";

type Item = DataOf<"downloads">["items"][number];

const STATE_COLORS: Record<Item["state"], string> = {
  downloading: "blue",
  seeding: "teal",
  paused: "gray",
  queued: "yellow",
  stalled: "orange",
  checking: "cyan",
  completed: "green",
  failed: "red",
  unknown: "gray",
};

const speed = (n: number | undefined) => `${bytes(n ?? 0)}/s`;

/** Downloads: every client's items with progress, speed, ETA and state; pause/resume/remove for interact users. */
export function DownloadsCard({ integrations }: CardProps) {
  const trpc = useTRPC();
  const live = useLive("downloads");
  const action = useAction(live.refresh);
  const pause = useMutation(trpc.downloads.pause.mutationOptions());
  const resume = useMutation(trpc.downloads.resume.mutationOptions());
  const remove = useMutation(trpc.downloads.remove.mutationOptions());
  const [removing, setRemoving] = useState<{ integration: IntegrationItem; item: Item } | undefined>();
  const [deleteFiles, setDeleteFiles] = useState(false);

  const itemControls = (i: IntegrationItem, item: Item) => {
    if (!canInteract(i)) return null;
    const paused = item.state === "paused";
    const label = `${paused ? "Resume" : "Pause"} ${item.name}`;
    return (
      <Group gap={4} wrap="nowrap">
        <Button
          size="compact-xs"
          variant="default"
          aria-label={label}
          loading={action.pending === label}
          onClick={() => action.run(label, i.id, () => (paused ? resume : pause).mutateAsync({ integrationId: i.id, itemIds: [item.id] }))}
        >
          {paused ? "Resume" : "Pause"}
        </Button>
        <Button size="compact-xs" variant="subtle" color="red" aria-label={`Remove ${item.name}`} onClick={() => { setDeleteFiles(false); setRemoving({ integration: i, item }); }}>
          Remove
        </Button>
      </Group>
    );
  };

  return (
    <CardShell title="Downloads" testId="card-downloads">
      <Sections
        live={live}
        integrations={integrations}
        extra={(i, env) => {
          if (!canInteract(i) || !env || !("data" in env)) return null;
          const paused = env.data.status.paused;
          const label = `${paused ? "Resume" : "Pause"} all in ${i.name}`;
          return (
            <Button size="compact-xs" variant="light" aria-label={label} loading={action.pending === label} onClick={() => action.run(label, i.id, () => (paused ? resume : pause).mutateAsync({ integrationId: i.id }))}>
              {paused ? "Resume all" : "Pause all"}
            </Button>
          );
        }}
        render={(data, i) => (
          <Stack gap={6}>
            <Text size="xs" c="dimmed" data-testid="client-totals">
              {data.status.paused ? "Paused · " : ""}↓ {speed(data.status.downSpeed)}
              {data.status.upSpeed !== undefined ? ` · ↑ ${speed(data.status.upSpeed)}` : ""} · {data.items.length} item{data.items.length === 1 ? "" : "s"}
            </Text>
            {data.items.length === 0 ? (
              <Text size="sm" c="dimmed">
                Nothing in the queue.
              </Text>
            ) : (
              <ScrollArea.Autosize mah={320} type="auto">
                <Stack gap={8} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
                  {data.items.map((item) => (
                    <li key={item.id} data-testid="download-item" data-name={item.name} data-state={item.state}>
                      <Group justify="space-between" gap={6} wrap="nowrap">
                        <Text size="sm" truncate="end" title={item.name} style={{ minWidth: 0, flex: 1 }}>
                          {item.name}
                        </Text>
                        <Badge size="sm" variant="light" color={STATE_COLORS[item.state]} data-testid="item-state">
                          {item.state}
                        </Badge>
                      </Group>
                      <Progress value={item.progress * 100} size="sm" mt={4} aria-label={`${item.name} progress`} color={STATE_COLORS[item.state]} />
                      <Group justify="space-between" gap={6} mt={2} wrap="nowrap">
                        <Text size="xs" c="dimmed">
                          {Math.floor(item.progress * 1000) / 10}% of {bytes(item.size)}
                          {item.downSpeed ? ` · ↓ ${speed(item.downSpeed)}` : ""}
                          {item.eta != null && item.state === "downloading" ? ` · ${duration(item.eta)} left` : ""}
                        </Text>
                        {itemControls(i, item)}
                      </Group>
                    </li>
                  ))}
                </Stack>
              </ScrollArea.Autosize>
            )}
          </Stack>
        )}
      />
      <Modal opened={!!removing} onClose={() => setRemoving(undefined)} title={removing ? `Remove “${removing.item.name}”?` : ""}>
        {removing && (
          <Stack>
            <Text size="sm">It is removed from {removing.integration.name}.</Text>
            <Checkbox label="Also delete the downloaded files (cannot be undone)" checked={deleteFiles} onChange={(e) => setDeleteFiles(e.currentTarget.checked)} />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setRemoving(undefined)}>
                Cancel
              </Button>
              <Button
                color="red"
                loading={action.pending === `Removed ${removing.item.name}`}
                onClick={() => {
                  const r = removing;
                  action.run(`Removed ${r.item.name}`, r.integration.id, () => remove.mutateAsync({ integrationId: r.integration.id, itemIds: [r.item.id], deleteFiles }));
                  setRemoving(undefined);
                }}
              >
                Remove
              </Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </CardShell>
  );
}
