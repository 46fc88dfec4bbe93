import { Badge, Button, Group, Menu, SimpleGrid, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { canInteract, CardShell, Sections, type CardProps } from "./CardShell";
import { duration, useAction, useLive, useNow } from "./live";

const DISABLE_FOR = [
  { label: "for 5 minutes", seconds: 300 },
  { label: "for 1 hour", seconds: 3600 },
  { label: "until enabled", seconds: undefined },
] as const;

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <div>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      <Text fw={600}>{value}</Text>
    </div>
  );
}

/** DNS blocking: status with the time left when disabled for a while, today's figures; enable/disable for interact users. */
export function DnsCard({ integrations }: CardProps) {
  const trpc = useTRPC();
  const now = useNow();
  const live = useLive("dnsHole");
  const action = useAction(live.refresh);
  const enable = useMutation(trpc.dnsHole.enable.mutationOptions());
  const disable = useMutation(trpc.dnsHole.disable.mutationOptions());
  const fmt = new Intl.NumberFormat();
  return (
    <CardShell title="DNS blocking" testId="card-dns">
      <Sections
        live={live}
        integrations={integrations}
        render={(d, i) => {
          const left = d.disabledUntil ? (d.disabledUntil.getTime() - now) / 1000 : undefined;
          const enableLabel = `Enable blocking on ${i.name}`;
          return (
            <Stack gap={8}>
              <Group gap="xs" wrap="wrap">
                <Badge color={d.status === "enabled" ? "green" : "red"} variant="light" data-testid="dns-status">
                  Blocking {d.status}
                </Badge>
                {d.status === "disabled" && (
                  <Text size="sm" data-testid="dns-countdown" aria-live="off">
                    {left !== undefined ? `${duration(Math.max(0, left))} left` : "until enabled"}
                  </Text>
                )}
              </Group>
              <SimpleGrid cols={3} spacing="xs" data-testid="dns-figures">
                <Figure label="Queries today" value={fmt.format(d.queriesToday)} />
                <Figure label="Blocked today" value={fmt.format(d.blockedToday)} />
                <Figure label="Blocked" value={`${d.blockedPercentage.toFixed(1)}%`} />
              </SimpleGrid>
              {canInteract(i) && (
                <Group gap="xs">
                  {d.status === "disabled" ? (
                    <Button size="xs" variant="light" color="green" loading={action.pending === enableLabel} onClick={() => action.run(enableLabel, i.id, () => enable.mutateAsync({ integrationId: i.id }))}>
                      Enable
                    </Button>
                  ) : (
                    <Menu position="bottom-start">
                      <Menu.Target>
                        <Button size="xs" variant="light" color="red" loading={action.pending?.startsWith(`Disable blocking on ${i.name}`)} aria-label={`Disable blocking on ${i.name}`}>
                          Disable…
                        </Button>
                      </Menu.Target>
                      <Menu.Dropdown>
                        {DISABLE_FOR.map((o) => (
                          <Menu.Item
                            key={o.label}
                            onClick={() => action.run(`Disable blocking on ${i.name} ${o.label}`, i.id, () => disable.mutateAsync({ integrationId: i.id, ...(o.seconds ? { durationSeconds: o.seconds } : {}) }))}
                          >
                            Disable {o.label}
                          </Menu.Item>
                        ))}
                      </Menu.Dropdown>
                    </Menu>
                  )}
                </Group>
              )}
            </Stack>
          );
        }}
      />
    </CardShell>
  );
}
