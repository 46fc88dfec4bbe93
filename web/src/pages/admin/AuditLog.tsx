import { Alert, Badge, Button, Code, Group, Loader, Paper, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC } from "../../api";
import { AuditTable, Pager, usePages } from "../../components/AuditTable";

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
