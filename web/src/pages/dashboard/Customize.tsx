import { ActionIcon, Button, Checkbox, Group, Modal, NativeSelect, Paper, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import { errorText, type IntegrationItem } from "../../api";
import { CARD_TITLES, type Layout } from "./DashboardPage";
import { READS, type Capability } from "./live";

const ALL = Object.keys(READS) as Capability[];
const ENTITY = /^[a-z0-9_]+\.[a-z0-9_]+$/;

/**
 * Which cards, in which order, with which integrations, and the pinned smart-home entities. Edits a copy;
 * "Save" stores the whole layout on the server (dashboard.saveLayout).
 */
export function Customize({ layout, byCapability, onClose, onSave }: { layout: Layout; byCapability: Map<Capability, IntegrationItem[]>; onClose: () => void; onSave: (l: Layout) => Promise<unknown> }) {
  const shown = layout.cards.map((c) => c.capability as Capability);
  const [order, setOrder] = useState<Capability[]>([...shown, ...ALL.filter((c) => !shown.includes(c))]);
  const [visible, setVisible] = useState(new Set(shown));
  const [picked, setPicked] = useState(new Map(layout.cards.map((c) => [c.capability as Capability, c.integrationIds])));
  const [pins, setPins] = useState(layout.pinnedEntities);
  const homes = byCapability.get("smartHome") ?? [];
  const [pinIntegration, setPinIntegration] = useState(homes[0]?.id ?? "");
  const [pinEntity, setPinEntity] = useState("");
  const [error, setError] = useState<string>();
  const [saving, setSaving] = useState(false);

  const move = (i: number, by: number) => {
    const next = [...order];
    const [c] = next.splice(i, 1);
    next.splice(i + by, 0, c!);
    setOrder(next);
  };
  const toggleIntegration = (c: Capability, id: string, on: boolean) => {
    const all = (byCapability.get(c) ?? []).map((i) => i.id);
    const current = picked.get(c) ?? all;
    const next = on ? all.filter((x) => x === id || current.includes(x)) : current.filter((x) => x !== id);
    // Every one ticked = "all", so integrations added later appear too.
    setPicked(new Map(picked).set(c, next.length === all.length ? null : next));
  };
  const submit = async () => {
    setSaving(true);
    setError(undefined);
    try {
      await onSave({ ...layout, cards: order.filter((c) => visible.has(c)).map((c) => ({ capability: c, integrationIds: picked.get(c) ?? null })), pinnedEntities: pins });
      onClose();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal opened onClose={onClose} title="Customize the dashboard" size="lg">
      <Stack gap="sm">
        {order.map((c, n) => {
          const integrations = byCapability.get(c) ?? [];
          const ids = picked.get(c) ?? null;
          return (
            <Paper key={c} withBorder p="xs" data-testid="customize-card" data-card={c}>
              <Group justify="space-between" wrap="nowrap">
                <Checkbox
                  label={`${CARD_TITLES[c]}${integrations.length ? "" : " (no integration of yours has it)"}`}
                  checked={visible.has(c)}
                  onChange={(e) => {
                    const next = new Set(visible);
                    if (e.currentTarget.checked) next.add(c);
                    else next.delete(c);
                    setVisible(next);
                  }}
                />
                <Group gap={4} wrap="nowrap">
                  <ActionIcon variant="default" aria-label={`Move ${CARD_TITLES[c]} up`} disabled={n === 0} onClick={() => move(n, -1)}>
                    ↑
                  </ActionIcon>
                  <ActionIcon variant="default" aria-label={`Move ${CARD_TITLES[c]} down`} disabled={n === order.length - 1} onClick={() => move(n, 1)}>
                    ↓
                  </ActionIcon>
                </Group>
              </Group>
              {visible.has(c) && integrations.length > 1 && (
                <Group gap="md" mt={6} ml="lg">
                  {integrations.map((i) => (
                    <Checkbox key={i.id} size="xs" label={i.name} checked={ids === null || ids.includes(i.id)} onChange={(e) => toggleIntegration(c, i.id, e.currentTarget.checked)} />
                  ))}
                </Group>
              )}
            </Paper>
          );
        })}
        {homes.length > 0 && (
          <Paper withBorder p="xs">
            <Text size="sm" fw={600} mb={4}>
              Pinned smart-home entities
            </Text>
            {pins.map((p, n) => (
              <Group key={`${p.integrationId}-${p.entityId}`} justify="space-between">
                <Text size="sm">
                  {p.entityId} <Text span c="dimmed" size="xs">({homes.find((h) => h.id === p.integrationId)?.name ?? "?"})</Text>
                </Text>
                <Button size="compact-xs" variant="subtle" color="red" onClick={() => setPins(pins.filter((_, k) => k !== n))} aria-label={`Unpin ${p.entityId}`}>
                  Unpin
                </Button>
              </Group>
            ))}
            <Group align="flex-end" gap="xs" mt={4}>
              {homes.length > 1 && <NativeSelect label="Integration" data={homes.map((h) => ({ value: h.id, label: h.name }))} value={pinIntegration} onChange={(e) => setPinIntegration(e.currentTarget.value)} />}
              <TextInput
                label="Entity id"
                placeholder="light.kitchen"
                value={pinEntity}
                onChange={(e) => setPinEntity(e.currentTarget.value.trim())}
                error={pinEntity && !ENTITY.test(pinEntity) ? "like light.kitchen" : undefined}
              />
              <Button
                variant="light"
                disabled={!ENTITY.test(pinEntity) || pins.some((p) => p.integrationId === pinIntegration && p.entityId === pinEntity)}
                onClick={() => {
                  setPins([...pins, { integrationId: pinIntegration, entityId: pinEntity }]);
                  setPinEntity("");
                }}
              >
                Pin
              </Button>
            </Group>
          </Paper>
        )}
        {error && (
          <Text c="red" size="sm" role="alert">
            {error}
          </Text>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button onClick={submit} loading={saving}>
            Save layout
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
