import { ActionIcon, Button, Checkbox, Group, Loader, Paper, Select, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, type GlobalPermission } from "../../../api";
import { toast } from "../../../ui";

const PERMISSION_LABELS: Record<GlobalPermission, string> = {
  admin: "Administrator (everything)",
  "integration-full-all": "Manage all integrations",
  "integration-interact-all": "Interact with all integrations",
  "integration-use-all": "Use all integrations",
  "integration-create": "Create integrations",
  "app-full-all": "Manage all apps",
  "app-create": "Create apps",
  "search-engine-full-all": "Manage all search engines",
  "search-engine-create": "Create search engines",
  "user-manage": "Manage users and groups",
};

/** One group's members (not for the built-in "everyone") and global permissions. */
export function GroupDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const group = useQuery(trpc.group.byId.queryOptions({ id }));
  const users = useQuery(trpc.user.list.queryOptions());
  const [perms, setPerms] = useState<string[] | null>(null);
  const [adding, setAdding] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.group.pathKey() });
  const onError = (e: { message: string }) => toast.fail(e.message);
  const addMember = useMutation(trpc.group.addMember.mutationOptions({ onSuccess: refresh, onError }));
  const removeMember = useMutation(trpc.group.removeMember.mutationOptions({ onSuccess: refresh, onError }));
  const savePerms = useMutation(
    trpc.group.savePermissions.mutationOptions({
      onSuccess: async () => {
        toast.ok("Global permissions saved.");
        setPerms(null);
        await refresh();
      },
      onError,
    }),
  );
  if (!group.data) return <Loader aria-label="Loading the group" />;
  const g = group.data;
  const current = perms ?? g.permissions;
  const free = (users.data ?? []).filter((u) => !g.members.some((m) => m.id === u.id));
  return (
    <Paper withBorder p="md" radius="md">
      <Stack>
        <Title order={3} size="h4">
          {g.name}
        </Title>
        <div>
          <Text fw={500} size="sm" mb={4}>
            Members
          </Text>
          {g.builtIn ? (
            <Text size="sm" c="dimmed">
              Every user is a member of {g.name}.
            </Text>
          ) : (
            <>
              {g.members.length === 0 && (
                <Text size="sm" c="dimmed">
                  No members yet.
                </Text>
              )}
              {g.members.map((m) => (
                <Group key={m.id} justify="space-between" gap="xs">
                  <Text size="sm">{m.username}</Text>
                  <ActionIcon variant="subtle" color="red" aria-label={`Remove ${m.username} from ${g.name}`} onClick={() => removeMember.mutate({ groupId: id, userId: m.id })}>
                    ✕
                  </ActionIcon>
                </Group>
              ))}
              <Group align="flex-end" gap="xs" mt="xs">
                <Select label="Add a member" data={free.map((u) => ({ value: u.id, label: u.username }))} value={adding} onChange={setAdding} searchable style={{ flex: 1 }} />
                <Button
                  variant="light"
                  disabled={!adding}
                  onClick={() => {
                    if (adding) addMember.mutate({ groupId: id, userId: adding });
                    setAdding(null);
                  }}
                >
                  Add
                </Button>
              </Group>
            </>
          )}
        </div>
        <Checkbox.Group label="Global permissions" value={current} onChange={setPerms}>
          <Stack gap={6} mt={6}>
            {(Object.keys(PERMISSION_LABELS) as GlobalPermission[]).map((p) => (
              <Checkbox key={p} value={p} label={PERMISSION_LABELS[p]} description={p} />
            ))}
          </Stack>
        </Checkbox.Group>
        <Group justify="flex-end">
          <Button onClick={() => savePerms.mutate({ groupId: id, permissions: current as GlobalPermission[] })} loading={savePerms.isPending} disabled={!perms}>
            Save permissions
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
