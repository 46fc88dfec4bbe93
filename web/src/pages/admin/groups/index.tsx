import { Badge, Button, Group, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, useTRPCClient, type Outputs } from "../../../api";
import { EntityScreen } from "../../../components/EntityScreen";
import { GroupDetail } from "./GroupDetail";

type Group = Outputs["group"]["list"][number];

/** Groups: created by name; choosing one shows its members and global permissions beside the list. */
export default function AdminGroups() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const groups = useQuery(trpc.group.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  return (
    <EntityScreen<Group, { name: string }>
      title="Groups"
      noun="group"
      rows={groups.data}
      name={(g) => g.name}
      emptyText="No groups."
      invalidate={trpc.group.pathKey()}
      columns={[
        {
          label: "Group",
          cell: (g) => (
            <Button variant={selected === g.id ? "light" : "subtle"} size="compact-sm" onClick={() => setSelected(g.id)} aria-pressed={selected === g.id}>
              {g.name}
            </Button>
          ),
        },
        { label: "Members", cell: (g) => g.memberCount ?? "everyone" },
        {
          label: "Permissions",
          cell: (g) => (
            <Group gap={4}>
              {g.permissions.map((p) => (
                <Badge key={p} size="xs" variant="light">
                  {p}
                </Badge>
              ))}
            </Group>
          ),
        },
      ]}
      editor={{
        inline: true,
        createLabel: "Create",
        empty: { name: "" },
        validate: { name: (v) => (v.trim() ? null : "Give the group a name") },
        fields: (form) => <TextInput label="New group" {...form.getInputProps("name")} />,
        save: (v) => client.group.create.mutate({ name: v.name.trim() }),
        saved: () => "Group created.",
        created: (r) => setSelected((r as { id: string }).id),
      }}
      remove={{
        allowed: (g) => !g.builtIn,
        consequence: "Its members lose the permissions they had through it.",
        run: async (g) => {
          await client.group.delete.mutate({ id: g.id });
          if (selected === g.id) setSelected(null);
        },
        done: "Group deleted.",
      }}
      aside={selected ? <GroupDetail key={selected} id={selected} /> : <Text c="dimmed">Choose a group to see its members and permissions.</Text>}
    />
  );
}
