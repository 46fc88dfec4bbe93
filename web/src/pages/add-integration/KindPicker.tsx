import { Group, Loader, Paper, SimpleGrid, Stack, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { useState } from "react";
import { Link } from "react-router";
import { groupByCategory, useKinds } from "../../hooks/kinds";
import { categoryLabel, KindIcon } from "../../ui";

/** Step 1 of "Add integration": a searchable grid of kinds, grouped by category. */
export default function KindPicker() {
  const { kinds, isPending } = useKinds();
  const [q, setQ] = useState("");
  const shown = kinds.filter((k) => `${k.name} ${k.kind} ${k.categories.join(" ")}`.toLowerCase().includes(q.trim().toLowerCase()));
  return (
    <Stack>
      <Title order={2}>Add integration</Title>
      <TextInput label="Find a kind" placeholder="Sonarr, qBittorrent, Pi-hole…" value={q} onChange={(e) => setQ(e.currentTarget.value)} maw={400} data-autofocus />
      {isPending && <Loader aria-label="Loading kinds" />}
      {!isPending && shown.length === 0 && <Text c="dimmed">No kind matches “{q}”.</Text>}
      {groupByCategory(shown, (k) => k).map(([category, list]) => (
        <section key={category} aria-label={categoryLabel(category)}>
          <Title order={3} size="h5" c="dimmed" tt="uppercase" mb={6}>
            {categoryLabel(category)}
          </Title>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
            {list.map((k) => (
              <UnstyledButton key={k.kind} component={Link} to={`/integrations/new/${k.kind}`} aria-label={k.name} data-kind={k.kind}>
                <Paper withBorder p="sm" radius="md" className="pb-kind-card">
                  <Group gap="sm" wrap="nowrap">
                    <KindIcon kind={k} />
                    <Text fw={500} size="sm" truncate>
                      {k.name}
                    </Text>
                  </Group>
                </Paper>
              </UnstyledButton>
            ))}
          </SimpleGrid>
        </section>
      ))}
    </Stack>
  );
}

