import { Button, Group, Modal, Stack, Text } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useTRPC, type Outputs } from "../../api";
import { toast } from "../../ui";

type Detail = Outputs["integration"]["byId"];

/** Delete with a confirmation naming what breaks: who loses it, its search engines, scripts using its id. */
export function DeleteIntegration({ detail, onDeleted }: { detail: Detail; onDeleted: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const perms = useQuery({ ...trpc.integration.getIntegrationPermissions.queryOptions({ id: detail.id }), enabled: opened });
  const engines = useQuery({ ...trpc.searchEngine.all.queryOptions(), enabled: opened });
  const remove = useMutation(
    trpc.integration.delete.mutationOptions({
      onSuccess: async () => {
        close();
        qc.removeQueries({ queryKey: trpc.integration.byId.queryKey({ id: detail.id }) });
        await qc.invalidateQueries({ queryKey: trpc.integration.all.queryKey() });
        await qc.invalidateQueries({ queryKey: trpc.searchEngine.pathKey() });
        toast.ok(`“${detail.name}” was deleted.`, "Integration deleted");
        onDeleted();
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const ownEngines = (engines.data ?? []).filter((e) => e.integrationId === detail.id);
  const users = perms.data?.users ?? [];
  const groups = perms.data?.groups ?? [];
  return (
    <>
      <Button color="red" variant="outline" onClick={open}>
        Delete
      </Button>
      <Modal opened={opened} onClose={close} title={`Delete “${detail.name}”?`} centered>
        <Stack>
          <Text size="sm">This cannot be undone. Deleting it:</Text>
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            <li>
              <Text size="sm">erases its stored credentials;</Text>
            </li>
            <li>
              <Text size="sm">
                takes it away from{" "}
                {perms.isPending ? "…" : users.length + groups.length === 0 ? "nobody else" : [...users.map((u) => u.user.name), ...groups.map((g) => `group ${g.group.name}`)].join(", ")}{" "}
                (and everyone who sees it through a global permission);
              </Text>
            </li>
            {ownEngines.length > 0 && (
              <li>
                <Text size="sm">deletes the search engine {ownEngines.map((e) => `“${e.name}” (!${e.short})`).join(", ")};</Text>
              </li>
            )}
            <li>
              <Text size="sm">breaks widgets and scripts that use its id ({detail.id}).</Text>
            </li>
          </ul>
          {detail.app && <Text size="sm">The app “{detail.app.name}” stays.</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color="red" onClick={() => remove.mutate({ id: detail.id })} loading={remove.isPending}>
              Delete {detail.name}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
