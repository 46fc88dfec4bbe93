import { Alert, Loader, Stack, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../api";
import { AuditTable, Pager, usePages } from "../components/AuditTable";

/** Who changed or controlled this integration (audit.integration): shown to its full users. */
export function IntegrationHistory({ id }: { id: string }) {
  const trpc = useTRPC();
  const pages = usePages();
  const list = useQuery(trpc.audit.integration.queryOptions({ integrationId: id, limit: 20, cursor: pages.cursor }));
  return (
    <Stack data-testid="integration-history">
      <Title order={4}>History</Title>
      {list.error && <Alert color="red">{list.error.message}</Alert>}
      {list.isPending ? <Loader aria-label="Loading" /> : <AuditTable items={list.data?.items ?? []} />}
      <Pager pages={pages} nextCursor={list.data?.nextCursor} loading={list.isFetching} />
    </Stack>
  );
}
