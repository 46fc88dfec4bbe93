import { ActionIcon, Alert, Badge, Button, Group, Loader, Paper, Select, Stack, Table, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, type Outputs } from "../../api";
import { toast } from "../../ui";

type Level = "use" | "interact" | "full";
type Row = { id: string; label: string; permission: Level };
const LEVELS: { value: Level; label: string }[] = [
  { value: "use", label: "use" },
  { value: "interact", label: "interact" },
  { value: "full", label: "full" },
];

export function AccessEditor({ id }: { id: string }) {
  const trpc = useTRPC();
  const perms = useQuery(trpc.integration.getIntegrationPermissions.queryOptions({ id }));
  const users = useQuery(trpc.user.list.queryOptions());
  const groups = useQuery(trpc.group.list.queryOptions());
  if (perms.error) return <Alert color="red">{perms.error.message}</Alert>;
  if (!perms.data || !users.data || !groups.data) return <Loader aria-label="Loading permissions" />;
  return <AccessForm key={perms.dataUpdatedAt} id={id} perms={perms.data} users={users.data} groups={groups.data} />;
}

function AccessForm({
  id,
  perms,
  users,
  groups,
}: {
  id: string;
  perms: Outputs["integration"]["getIntegrationPermissions"];
  users: Outputs["user"]["list"];
  groups: Outputs["group"]["list"];
}) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [userRows, setUserRows] = useState<Row[]>(perms.users.map((u) => ({ id: u.user.id, label: u.user.username, permission: u.permission })));
  const [groupRows, setGroupRows] = useState<Row[]>(perms.groups.map((g) => ({ id: g.group.id, label: g.group.name, permission: g.permission })));
  const saveUsers = useMutation(trpc.integration.saveUserIntegrationPermissions.mutationOptions());
  const saveGroups = useMutation(trpc.integration.saveGroupIntegrationPermissions.mutationOptions());
  const [saving, setSaving] = useState(false);

  const save = async () => {
    setSaving(true);
    try {
      await saveUsers.mutateAsync({ entityId: id, permissions: userRows.map((r) => ({ principalId: r.id, permission: r.permission })) });
      await saveGroups.mutateAsync({ entityId: id, permissions: groupRows.map((r) => ({ principalId: r.id, permission: r.permission })) });
      await qc.invalidateQueries({ queryKey: trpc.integration.pathKey() });
      toast.ok("Who may use this integration was saved.", "Access saved");
    } catch (e) {
      toast.fail(e instanceof Error ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <Stack maw={720}>
      <PrincipalTable
        title="Users"
        kind="user"
        rows={userRows}
        setRows={setUserRows}
        candidates={users.map((u) => ({ value: u.id, label: u.name ? `${u.username} (${u.name})` : u.username, short: u.username }))}
      />
      <PrincipalTable
        title="Groups"
        kind="group"
        rows={groupRows}
        setRows={setGroupRows}
        candidates={groups.map((g) => ({ value: g.id, label: g.name, short: g.name }))}
      />
      <Paper withBorder p="md" radius="md">
        <Title order={3} size="h5" mb="xs">
          Inherited from global permissions
        </Title>
        {perms.inherited.length === 0 ? (
          <Text size="sm" c="dimmed">
            No group has a global integration permission.
          </Text>
        ) : (
          <Table aria-label="Inherited access">
            <Table.Tbody>
              {perms.inherited.map((g) => (
                <Table.Tr key={g.group.id}>
                  <Table.Td>group {g.group.name}</Table.Td>
                  <Table.Td>
                    <Badge variant="outline" color="gray">
                      {g.permission}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <Text size="xs" c="dimmed" mt="xs">
          Read-only here; change them under Administration → Groups.
        </Text>
      </Paper>
      <Group justify="flex-end">
        <Button onClick={() => void save()} loading={saving}>
          Save access
        </Button>
      </Group>
    </Stack>
  );
}

function PrincipalTable({
  title,
  kind,
  rows,
  setRows,
  candidates,
}: {
  title: string;
  kind: "user" | "group";
  rows: Row[];
  setRows: (rows: Row[]) => void;
  candidates: { value: string; label: string; short: string }[];
}) {
  const [adding, setAdding] = useState<string | null>(null);
  const free = candidates.filter((c) => !rows.some((r) => r.id === c.value));
  return (
    <Paper withBorder p="md" radius="md">
      <Title order={3} size="h5" mb="xs">
        {title}
      </Title>
      {rows.length === 0 ? (
        <Text size="sm" c="dimmed" mb="sm">
          No {kind} has its own access.
        </Text>
      ) : (
        <Table mb="sm" aria-label={`${title} with access`}>
          <Table.Tbody>
            {rows.map((r) => (
              <Table.Tr key={r.id} data-principal={r.label}>
                <Table.Td>{r.label}</Table.Td>
                <Table.Td w={150}>
                  <Select
                    aria-label={`Access level of ${r.label}`}
                    data={LEVELS}
                    value={r.permission}
                    allowDeselect={false}
                    onChange={(v) => v && setRows(rows.map((x) => (x.id === r.id ? { ...x, permission: v as Level } : x)))}
                  />
                </Table.Td>
                <Table.Td w={40}>
                  <ActionIcon variant="subtle" color="red" aria-label={`Remove ${r.label}`} onClick={() => setRows(rows.filter((x) => x.id !== r.id))}>
                    ✕
                  </ActionIcon>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Group align="flex-end" gap="xs">
        <Select
          label={`Add a ${kind}`}
          placeholder={free.length ? `Choose a ${kind}` : `Every ${kind} is listed`}
          data={free.map((c) => ({ value: c.value, label: c.label }))}
          value={adding}
          onChange={setAdding}
          searchable
          disabled={!free.length}
          style={{ flex: 1, maxWidth: 320 }}
        />
        <Button
          variant="light"
          disabled={!adding}
          onClick={() => {
            const c = candidates.find((x) => x.value === adding);
            if (c) setRows([...rows, { id: c.value, label: c.short, permission: "use" }]);
            setAdding(null);
          }}
        >
          Add
        </Button>
      </Group>
    </Paper>
  );
}
