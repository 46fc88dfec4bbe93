import { Badge, Button, Group, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { canInteract, CardShell, Sections, type CardProps } from "./CardShell";
import { pinnedIn, type Pin } from "./inputs";
import { useAction, useLive } from "./live";

const TOGGLES = new Set(["light", "switch", "fan", "input_boolean", "cover", "lock", "media_player", "climate", "siren", "humidifier", "vacuum"]);
const TRIGGERS = new Set(["automation", "script", "scene", "button", "input_button"]);

/** Smart home: the entities the user pinned (layout), their state, toggle or trigger for interact users. */
export function SmartHomeCard({ integrations, pins }: CardProps & { pins: Pin[] }) {
  const trpc = useTRPC();
  const { homes } = pinnedIn(integrations, pins);
  const live = useLive("smartHome");
  const action = useAction(live.refresh);
  const toggle = useMutation(trpc.smartHome.toggle.mutationOptions());
  const trigger = useMutation(trpc.smartHome.trigger.mutationOptions());
  return (
    <CardShell title="Smart home" testId="card-smart-home">
      {!homes.length && (
        <Text size="sm" c="dimmed">
          Pin entities (like light.kitchen) under “Customize” to see and switch them here.
        </Text>
      )}
      <Sections
        live={live}
        integrations={homes}
        render={(d, i) => {
          const mine = new Set(pins.filter((p) => p.integrationId === i.id).map((p) => p.entityId));
          const entities = d.entities.filter((e) => mine.has(e.entityId));
          return (
            <Stack gap={6}>
              {entities.length === 0 && <Text size="sm" c="dimmed">None of the pinned entities exists in {i.name}.</Text>}
              {entities.map((e) => {
                const domain = e.entityId.split(".")[0]!;
                const name = e.friendlyName ?? e.entityId;
                const label = TRIGGERS.has(domain) ? `Triggered ${name}` : `Toggled ${name}`;
                return (
                  <Group key={e.entityId} justify="space-between" gap={6} wrap="nowrap" data-testid="entity">
                    <Text size="sm" truncate="end">{name}</Text>
                    <Group gap={6} wrap="nowrap">
                      <Badge size="sm" variant="light" color={e.state === "on" ? "yellow" : e.state === "unavailable" ? "red" : "gray"}>{e.state}</Badge>
                      {canInteract(i) && (TOGGLES.has(domain) || TRIGGERS.has(domain)) && (
                        <Button size="compact-xs" variant="default" aria-label={`${TRIGGERS.has(domain) ? "Trigger" : "Toggle"} ${name}`} loading={action.pending === label}
                          onClick={() => action.run(label, i.id, () => (TRIGGERS.has(domain) ? trigger : toggle).mutateAsync({ integrationId: i.id, entityId: e.entityId }))}>
                          {TRIGGERS.has(domain) ? "Run" : "Toggle"}
                        </Button>
                      )}
                    </Group>
                  </Group>
                );
              })}
            </Stack>
          );
        }}
      />
    </CardShell>
  );
}
