import { Badge, Button, Checkbox, Group, Modal, Paper, PasswordInput, Select, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fieldIssues, useTRPC } from "../../api";
import { toast } from "../../ui";

/**
 * Administration → Notifications: targets (webhook, ntfy, Gotify, Discord, Slack), the events each gets,
 * "Send test", and the last deliveries with their outcome. Admins only (the server enforces it).
 */

const TYPES = [
  { value: "webhook", label: "Webhook (JSON, optional HMAC signature)" },
  { value: "ntfy", label: "ntfy (topic URL)" },
  { value: "gotify", label: "Gotify (server URL + application token)" },
  { value: "discord", label: "Discord webhook" },
  { value: "slack", label: "Slack incoming webhook" },
] as const;
type TargetType = (typeof TYPES)[number]["value"];

const EVENTS = [
  { value: "integration.failing", label: "An integration starts failing (after 2 failed checks)" },
  { value: "integration.recovered", label: "An integration recovered" },
  { value: "certificate.expiring", label: "An HTTPS certificate expires within 14 days" },
  { value: "audit", label: "Every audit log entry" },
] as const;
type EventName = (typeof EVENTS)[number]["value"];

const SECRET_LABEL: Record<TargetType, string | null> = {
  webhook: "Signing secret (optional): X-Patchbay-Signature: sha256=HMAC of the body",
  ntfy: "Access token (optional)",
  gotify: "Application token",
  discord: null,
  slack: null,
};

interface Editing {
  id?: string;
  name: string;
  type: TargetType;
  hasSecret: boolean;
  events: string[];
}

export function AdminNotifications() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const targets = useQuery(trpc.notification.list.queryOptions());
  const [editing, setEditing] = useState<Editing | null>(null);
  const [deliveriesOf, setDeliveriesOf] = useState<string | null>(null);
  const refresh = () => qc.invalidateQueries({ queryKey: trpc.notification.pathKey() });
  const test = useMutation(
    trpc.notification.test.mutationOptions({
      onSuccess: async (d) => {
        if (d.status === "delivered") toast.ok("The test notification was delivered.");
        else toast.fail(d.error ?? "The target did not accept the test notification.", "Test failed");
        await refresh();
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const remove = useMutation(
    trpc.notification.delete.mutationOptions({
      onSuccess: async () => {
        toast.ok("Target deleted.");
        await refresh();
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const shown = targets.data?.find((t) => t.id === deliveriesOf);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>Notifications</Title>
        <Button onClick={() => setEditing({ name: "", type: "webhook", hasSecret: false, events: EVENTS.slice(0, 3).map((e) => e.value) })}>Add target</Button>
      </Group>
      <Text size="sm" c="dimmed">
        Patchbay checks every integration in the background and tells these targets when one starts failing, recovers, or its certificate is about to expire. No secret is ever part of a message.
      </Text>
      <Paper withBorder radius="md">
        <Table.ScrollContainer minWidth={560}>
          <Table aria-label="Notification targets">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Type</Table.Th>
                <Table.Th>URL</Table.Th>
                <Table.Th>Last delivery</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(targets.data ?? []).map((t) => {
                const last = t.deliveries[0];
                return (
                  <Table.Tr key={t.id}>
                    <Table.Td>{t.name}</Table.Td>
                    <Table.Td>{t.type}</Table.Td>
                    <Table.Td style={{ wordBreak: "break-all" }}>{t.url}</Table.Td>
                    <Table.Td>
                      {last ? (
                        <Button size="compact-xs" variant="subtle" onClick={() => setDeliveriesOf(t.id)} aria-label={`Deliveries of ${t.name}`}>
                          <DeliveryBadge status={last.status} /> &nbsp;{new Date(last.at).toLocaleString()}
                        </Button>
                      ) : (
                        <Text size="sm" c="dimmed">
                          none yet
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <Group gap={4} justify="flex-end" wrap="nowrap">
                        <Button size="xs" variant="light" loading={test.isPending && test.variables?.id === t.id} onClick={() => test.mutate({ id: t.id })}>
                          Send test
                        </Button>
                        <Button size="xs" variant="subtle" onClick={() => setEditing({ id: t.id, name: t.name, type: t.type, hasSecret: t.hasSecret, events: t.events })}>
                          Edit
                        </Button>
                        <Button
                          size="xs"
                          color="red"
                          variant="subtle"
                          aria-label={`Delete ${t.name}`}
                          onClick={() => {
                            if (window.confirm(`Delete the notification target ${t.name} and its delivery records?`)) remove.mutate({ id: t.id });
                          }}
                        >
                          Delete
                        </Button>
                      </Group>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
              {targets.data?.length === 0 && (
                <Table.Tr>
                  <Table.Td colSpan={5}>
                    <Text c="dimmed" size="sm">
                      No notification targets yet.
                    </Text>
                  </Table.Td>
                </Table.Tr>
              )}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
      {editing && <TargetForm initial={editing} onClose={() => setEditing(null)} onSaved={refresh} />}
      <Modal opened={Boolean(shown)} onClose={() => setDeliveriesOf(null)} title={`Deliveries to ${shown?.name ?? ""}`} size="lg" centered>
        <Table aria-label="Deliveries">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>When</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Outcome</Table.Th>
              <Table.Th>Attempts</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(shown?.deliveries ?? []).map((d) => (
              <Table.Tr key={d.id}>
                <Table.Td>{new Date(d.at).toLocaleString()}</Table.Td>
                <Table.Td>{d.event}</Table.Td>
                <Table.Td>
                  <DeliveryBadge status={d.status} /> {d.error ?? (d.responseStatus ? `HTTP ${d.responseStatus}` : "")}
                </Table.Td>
                <Table.Td>{d.attempts}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Modal>
    </Stack>
  );
}

function DeliveryBadge({ status }: { status: "pending" | "delivered" | "failed" }) {
  return <Badge color={status === "delivered" ? "green" : status === "failed" ? "red" : "gray"}>{status}</Badge>;
}

function TargetForm({ initial, onClose, onSaved }: { initial: Editing; onClose: () => void; onSaved: () => Promise<unknown> }) {
  const trpc = useTRPC();
  const form = useForm({ initialValues: { name: initial.name, type: initial.type, url: "", secret: "", events: initial.events } });
  const done = async (message: string) => {
    toast.ok(message);
    await onSaved();
    onClose();
  };
  const showErrors = (e: { message: string }) => {
    const fields = fieldIssues(e);
    if (Object.keys(fields).length) form.setErrors(fields);
    else toast.fail(e.message);
  };
  const create = useMutation(trpc.notification.create.mutationOptions({ onSuccess: () => done("Target added."), onError: showErrors }));
  const update = useMutation(trpc.notification.update.mutationOptions({ onSuccess: () => done("Target saved."), onError: showErrors }));
  const type = form.values.type;
  const secretLabel = SECRET_LABEL[type];
  const submit = form.onSubmit((v) => {
    const events = v.events as EventName[];
    if (initial.id) {
      // Empty URL and secret fields keep what is stored (neither is ever shown again).
      update.mutate({ id: initial.id, name: v.name, type: v.type, events, ...(v.url ? { url: v.url } : {}), ...(secretLabel ? (v.secret ? { secret: v.secret } : {}) : { secret: null }) });
    } else {
      create.mutate({ name: v.name, type: v.type, url: v.url, events, ...(secretLabel && v.secret ? { secret: v.secret } : {}) });
    }
  });
  return (
    <Modal opened onClose={onClose} title={initial.id ? `Edit ${initial.name}` : "Add a notification target"} centered>
      <form onSubmit={submit}>
        <Stack>
          <TextInput label="Name" required {...form.getInputProps("name")} />
          <Select label="Type" data={TYPES.map((t) => ({ value: t.value, label: t.label }))} allowDeselect={false} {...form.getInputProps("type")} />
          <TextInput
            label="URL"
            required={!initial.id}
            placeholder={type === "ntfy" ? "https://ntfy.sh/my-topic" : type === "gotify" ? "https://gotify.example.lan" : "https://…"}
            description={initial.id ? "Leave empty to keep the stored URL" : undefined}
            {...form.getInputProps("url")}
          />
          {secretLabel && (
            <PasswordInput
              label={secretLabel}
              required={type === "gotify" && !initial.hasSecret}
              description={initial.id && initial.hasSecret ? "Leave empty to keep the stored one" : undefined}
              autoComplete="new-password"
              {...form.getInputProps("secret")}
            />
          )}
          <Checkbox.Group label="Events" {...form.getInputProps("events")}>
            <Stack gap={6} mt={6}>
              {EVENTS.map((e) => (
                <Checkbox key={e.value} value={e.value} label={e.label} />
              ))}
            </Stack>
          </Checkbox.Group>
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={create.isPending || update.isPending}>
              Save
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export default AdminNotifications;
