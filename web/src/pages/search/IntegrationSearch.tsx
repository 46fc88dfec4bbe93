import { Alert, Stack } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { Results, SearchBox } from "./SearchParts";

/** Search inside one integration (its Search tab). */
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

