import { Alert, Badge, Button, Code, Group, Loader, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { type Outputs } from "../api";

/**
 * The audit table and its cursor pager, shared by Administration → Audit log and an integration's history (a
 * component of its own so that each page stays its own lazy chunk).
 */

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

