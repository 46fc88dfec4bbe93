import { Badge, Button, Group, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { toast } from "../../ui";
import { canInteract, CardShell, Sections, type CardProps } from "./CardShell";
import { useAction, useLive } from "./live";

/** Indexers of Prowlarr/Jackett with their health; "Test all" for interact users. */
export function IndexersCard({ integrations }: CardProps) {
  const trpc = useTRPC();
  const live = useLive("indexers");
  const action = useAction(live.refresh);
  const testAll = useMutation(trpc.indexers.testAll.mutationOptions());
  return (
    <CardShell title="Indexers" testId="card-indexers">
      <Sections
        live={live}
        integrations={integrations}
        extra={(i) => {
          if (!canInteract(i)) return null;
          const label = `Tested the indexers of ${i.name}`;
          return (
            <Button size="compact-xs" variant="light" loading={action.pending === label} onClick={() => action.run(label, i.id, async () => {
              const r = await testAll.mutateAsync({ integrationId: i.id });
              if ("ok" in r && r.failed) toast.fail(`${r.failed} indexer${r.failed === 1 ? "" : "s"} failed the test.`, i.name);
              return r;
            })}>
              Test all
            </Button>
          );
        }}
        render={(d) => (
          <Stack gap={4}>
            {d.indexers.length === 0 && <Text size="sm" c="dimmed">No indexers configured.</Text>}
            {d.indexers.map((x) => (
              <Group key={x.id} justify="space-between" gap={6} wrap="nowrap">
                <Text size="sm" truncate="end" c={x.enabled ? undefined : "dimmed"}>{x.name}</Text>
                <Badge size="xs" variant="light" color={!x.enabled ? "gray" : x.healthy ? "green" : "red"} title={x.message}>
                  {!x.enabled ? "disabled" : x.healthy ? "healthy" : "failing"}
                </Badge>
              </Group>
            ))}
          </Stack>
        )}
      />
    </CardShell>
  );
}
