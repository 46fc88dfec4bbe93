import { Alert, Badge, Button, Code, Group, Loader, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, type Outputs } from "../../api";

/** The audit log for admins (audit.list) and the table the integration page reuses for its history. */

export type AuditEntry = Outputs["audit"]["list"]["items"][number];

const ACTOR_LABEL: Record<AuditEntry["actor"]["type"], string> = { user: "user", apiKey: "API key", operator: "operator", provisioning: "provisioning" };

function Changes({ changes }: { changes: AuditEntry["changes"] }) {
  if (!changes || !Object.keys(changes).length) return <Text size="xs" c="dimmed">—</Text>;
  return (
    <Code block style={{ whiteSpace: "pre-wrap", maxWidth: 420, fontSize: 11 }}>
      {JSON.stringify(changes, null, 1)}
    </Code>
  );
}

export function AuditTable({ items }: { items: AuditEntry[] }) {
  if (!items.length) return <Text c="dimmed">No entries.</Text>;
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={720}>
        <Table striped verticalSpacing="xs" data-testid="audit-table">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Who</Table.Th>
              <Table.Th>Action</Table.Th>
              <Table.Th>Target</Table.Th>
              <Table.Th>Changes</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>
                  <Text size="sm">{e.at.toLocaleString()}</Text>
                  {e.ip && <Text size="xs" c="dimmed">{e.ip}</Text>}
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{e.actor.name}</Text>
                  <Text size="xs" c="dimmed">{ACTOR_LABEL[e.actor.type]}</Text>
                </Table.Td>
                <Table.Td>
                  <Group gap={4}>
                    <Code>{e.action}</Code>
                    {e.outcome === "error" && <Badge color="red" size="xs">error</Badge>}
                  </Group>
                </Table.Td>
                <Table.Td>
                  <Text size="sm">{e.target ? (e.target.name ?? e.target.id) : "—"}</Text>
                  {e.target && <Text size="xs" c="dimmed">{e.target.type}</Text>}
                </Table.Td>
                <Table.Td>
                  <Changes changes={e.changes} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

/** Cursor pages: the cursors of the pages seen so far make "Newer" a step back. */
export function usePages() {
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  return {
    cursor,
    page: cursors.length,
    reset: () => setCursors([null]),
    older: (next: string) => setCursors((c) => [...c, next]),
    newer: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}

export function Pager({ pages, nextCursor, loading }: { pages: ReturnType<typeof usePages>; nextCursor: string | null | undefined; loading: boolean }) {
  return (
    <Group justify="space-between">
      <Text size="sm" c="dimmed">Page {pages.page}</Text>
      <Group gap="xs">
        <Button size="xs" variant="default" disabled={pages.page === 1 || loading} onClick={pages.newer}>
          Newer
        </Button>
        <Button size="xs" variant="default" disabled={!nextCursor || loading} onClick={() => nextCursor && pages.older(nextCursor)}>
          Older
        </Button>
      </Group>
    </Group>
  );
}

const dayStart = (v: string) => (v ? new Date(`${v}T00:00:00`) : undefined);
const dayEnd = (v: string) => (v ? new Date(`${v}T23:59:59.999`) : undefined);

export function AuditLog() {
  const trpc = useTRPC();
  const pages = usePages();
  const [actorId, setActorId] = useState<string | null>(null);
  const [integrationId, setIntegrationId] = useState<string | null>(null);
  const [action, setAction] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const users = useQuery(trpc.user.list.queryOptions());
  const integrations = useQuery(trpc.integration.all.queryOptions());
  const input = {
    limit: 50,
    cursor: pages.cursor,
    ...(actorId ? { actorId } : {}),
    ...(integrationId ? { integrationId } : {}),
    ...(action.trim() ? { action: action.trim() } : {}),
    ...(from ? { from: dayStart(from) } : {}),
    ...(to ? { to: dayEnd(to) } : {}),
  };
  const list = useQuery(trpc.audit.list.queryOptions(input));
  // Any filter change starts again at the newest page.
  const filter = <T,>(set: (v: T) => void) => (v: T) => {
    set(v);
    pages.reset();
  };
  return (
    <Stack>
      <Title order={2}>Audit log</Title>
      <Group align="flex-end" wrap="wrap">
        <Select label="Who" placeholder="anyone" clearable searchable data={(users.data ?? []).map((u) => ({ value: u.id, label: u.username }))} value={actorId} onChange={filter(setActorId)} w={180} />
        <Select
          label="Integration"
          placeholder="any"
          clearable
          searchable
          data={(integrations.data ?? []).map((i) => ({ value: i.id, label: i.name }))}
          value={integrationId}
          onChange={filter(setIntegrationId)}
          w={200}
        />
        <TextInput label="Action" placeholder="integration.update" value={action} onChange={(e) => filter(setAction)(e.currentTarget.value)} w={200} />
        <TextInput label="From" type="date" value={from} onChange={(e) => filter(setFrom)(e.currentTarget.value)} w={160} />
        <TextInput label="To" type="date" value={to} onChange={(e) => filter(setTo)(e.currentTarget.value)} w={160} />
      </Group>
      {list.error && <Alert color="red">{list.error.message}</Alert>}
      {list.isPending ? <Loader aria-label="Loading" /> : <AuditTable items={list.data?.items ?? []} />}
      <Pager pages={pages} nextCursor={list.data?.nextCursor} loading={list.isFetching} />
    </Stack>
  );
}

export default AuditLog;
