import { Alert, Anchor, Group, Loader, Stack, Text, Title } from "@mantine/core";
import { useQueries, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useTRPC } from "../../api";
import { useKinds } from "../../hooks/kinds";
import { KindIcon } from "../../ui";
import { Results, SearchBox } from "./SearchParts";

/** One box, every searchable integration the caller can use, searched in parallel. */
export default function SearchPage() {
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
