import { Anchor, Button, Center, Group, Loader, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useTRPC, type IntegrationItem, type KindInfo } from "../../api";
import { groupByCategory, useKinds } from "../../hooks/kinds";
import { useCan } from "../../hooks/session";
import { AccessBadge, categoryLabel, KindIcon } from "../../ui";

export default function IntegrationsPage() {
  const trpc = useTRPC();
  const can = useCan();
  const { byKind } = useKinds();
  const [filter, setFilter] = useState("");
  const [debounced] = useDebouncedValue(filter.trim(), 200);
  const all = useQuery(trpc.integration.all.queryOptions());
  const search = useQuery({ ...trpc.integration.search.queryOptions({ query: debounced, limit: 100 }), enabled: debounced.length > 0 });
  const items: IntegrationItem[] | undefined = debounced ? search.data : all.data;
  const canCreate = can("integration-create");

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Integrations</Title>
        {canCreate && (
          <Button component={Link} to="/integrations/new">
            Add integration
          </Button>
        )}
      </Group>
      {all.data && all.data.length === 0 ? (
        <Paper withBorder p="xl" radius="md">
          <Stack align="center" gap="sm" maw={520} mx="auto" ta="center">
            <Title order={3}>No integrations yet</Title>
            <Text c="dimmed">
              An integration is a saved, tested connection to one of your services — a Plex or Jellyfin server, Sonarr,
              qBittorrent, Pi-hole, Home Assistant… Patchbay keeps its credentials encrypted, shares it with exactly the people
              you choose, and lets you search inside it.
            </Text>
            {canCreate ? (
              <Button component={Link} to="/integrations/new" size="md">
                Add your first integration
              </Button>
            ) : (
              <Text size="sm">Ask an administrator to share an integration with you.</Text>
            )}
          </Stack>
        </Paper>
      ) : (
        <>
          <TextInput label="Filter by name" placeholder="Type to filter…" value={filter} onChange={(e) => setFilter(e.currentTarget.value)} maw={400} />
          {!items ? (
            <Center p="xl">
              <Loader aria-label="Loading integrations" />
            </Center>
          ) : items.length === 0 ? (
            <Text c="dimmed">No integration matches “{filter}”.</Text>
          ) : (
            groupByCategory(items, (i) => byKind.get(i.kind)).map(([category, list]) => (
              <section key={category} aria-label={categoryLabel(category)}>
                <Title order={3} size="h5" c="dimmed" tt="uppercase" mb={6}>
                  {categoryLabel(category)}
                </Title>
                <Stack gap={6}>
                  {list.map((i) => (
                    <IntegrationRow key={i.id} item={i} kind={byKind.get(i.kind)} />
                  ))}
                </Stack>
              </section>
            ))
          )}
        </>
      )}
    </Stack>
  );
}

function IntegrationRow({ item, kind }: { item: IntegrationItem; kind: KindInfo | undefined }) {
  return (
    <Paper withBorder p="sm" radius="md" data-testid="integration-row" data-name={item.name}>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <Group wrap="nowrap" gap="sm" style={{ minWidth: 0, flex: "1 1 260px" }}>
          <KindIcon kind={kind} />
          <div style={{ minWidth: 0 }}>
            <Group gap={8} wrap="nowrap">
              <Text fw={600} truncate>
                {item.name}
              </Text>
              <AccessBadge p={item.permissions} />
            </Group>
            <Text size="sm" c="dimmed" truncate>
              {kind?.name ?? item.kind} ·{" "}
              <Anchor href={item.url} target="_blank" rel="noreferrer" size="sm">
                {item.url}
              </Anchor>
            </Text>
          </div>
        </Group>
        <Group gap="xs">
          {kind?.supportsSearch && (
            <Button size="xs" variant="light" component={Link} to={`/integrations/${item.id}/search`} aria-label={`Search in ${item.name}`}>
              Search
            </Button>
          )}
          {item.permissions.hasFullAccess && (
            <>
              <Button size="xs" variant="default" component={Link} to={`/integrations/${item.id}/access`} aria-label={`Access to ${item.name}`}>
                Access
              </Button>
              <Button size="xs" variant="default" component={Link} to={`/integrations/${item.id}/settings`} aria-label={`Edit ${item.name}`}>
                Edit
              </Button>
            </>
          )}
        </Group>
      </Group>
    </Paper>
  );
}
