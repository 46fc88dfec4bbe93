import { Alert, Anchor, Avatar, Badge, Button, Group, Loader, Paper, Stack, Text, TextInput, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useTRPC, type Outputs } from "../api";
import { KindIcon } from "../ui";
import { useKinds } from "./Integrations";

type Result = Outputs["integration"]["searchInIntegration"][number];

function SearchBox({ label, onSearch, busy }: { label: string; onSearch: (q: string) => void; busy: boolean }) {
  const [q, setQ] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) onSearch(q.trim());
      }}
      role="search"
    >
      <Group align="flex-end" gap="xs">
        <TextInput label={label} placeholder="A title, a person, a device…" value={q} onChange={(e) => setQ(e.currentTarget.value)} style={{ flex: 1, maxWidth: 480 }} />
        <Button type="submit" loading={busy}>
          Search
        </Button>
      </Group>
    </form>
  );
}

function Results({ results }: { results: Result[] }) {
  if (!results.length) return <Text c="dimmed" size="sm">Nothing found.</Text>;
  return (
    <Stack gap={6}>
      {results.map((r) => (
        <Paper key={r.id} withBorder p="xs" radius="md" data-testid="search-result">
          <Group wrap="nowrap" gap="sm">
            <Avatar src={r.image} alt="" radius="sm" size="lg">
              {r.name.slice(0, 1)}
            </Avatar>
            <div style={{ minWidth: 0, flex: 1 }}>
              <Group gap="xs">
                {r.link ? (
                  <Anchor href={r.link} target="_blank" rel="noreferrer" fw={600}>
                    {r.name}
                  </Anchor>
                ) : (
                  <Text fw={600}>{r.name}</Text>
                )}
                {r.type && <Badge variant="light">{r.type}</Badge>}
              </Group>
              {r.text && (
                <Text size="sm" c="dimmed" lineClamp={2}>
                  {r.text}
                </Text>
              )}
            </div>
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

export function IntegrationSearch({ id, name }: { id: string; name: string }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState("");
  const q = useQuery({ ...trpc.integration.searchInIntegration.queryOptions({ integrationId: id, query: query || "x" }), enabled: query.length > 0 });
  return (
    <Stack maw={720}>
      <SearchBox label={`Search in ${name}`} onSearch={setQuery} busy={q.isFetching} />
      {q.error && <Alert color="red" title="The search failed">{q.error.message}</Alert>}
      {q.data && <Results results={q.data} />}
    </Stack>
  );
}

/** One box, every searchable integration the caller can use, searched in parallel. */
export function SearchPage() {
  const trpc = useTRPC();
  const { byKind } = useKinds();
  const searchable = useQuery(trpc.integration.allThatSupportSearch.queryOptions());
  const [query, setQuery] = useState("");
  const list = searchable.data ?? [];
  const results = useQueries({
    queries: list.map((i) => ({ ...trpc.integration.searchInIntegration.queryOptions({ integrationId: i.id, query: query || "x" }), enabled: query.length > 0 })),
  });
  return (
    <Stack>
      <Title order={2}>Search</Title>
      {searchable.isPending ? (
        <Loader aria-label="Loading" />
      ) : list.length === 0 ? (
        <Text c="dimmed">
          None of your integrations supports search yet. Media servers, the *arr apps, Overseerr, Prowlarr, Jackett and Home
          Assistant do. <Anchor component={Link} to="/integrations/new">Add one</Anchor>
        </Text>
      ) : (
        <>
          <SearchBox label={`Search in all ${list.length} searchable integrations`} onSearch={setQuery} busy={results.some((r) => r.isFetching)} />
          {query &&
            list.map((i, n) => {
              const r = results[n];
              return (
                <section key={i.id} aria-label={`Results from ${i.name}`}>
                  <Group gap="xs" mb={6}>
                    <KindIcon kind={byKind.get(i.kind)} size="sm" />
                    <Title order={3} size="h5">
                      {i.name}
                    </Title>
                    {r?.isFetching && <Loader size="xs" />}
                  </Group>
                  {r?.error ? <Alert color="red">{r.error.message}</Alert> : r?.data ? <Results results={r.data} /> : null}
                </section>
              );
            })}
        </>
      )}
    </Stack>
  );
}
