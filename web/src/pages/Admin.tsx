import { ActionIcon, Alert, Badge, Button, Checkbox, Code, CopyButton, Group, Loader, Modal, Paper, PasswordInput, Select, SimpleGrid, Stack, Table, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { fieldErrors, useTRPC, type GlobalPermission } from "../api";
import { useCan, useSession } from "../App";
import { passwordError, PASSWORD_RULE } from "../password-rule";
import { toast } from "../ui";

function Page({ title, action, children }: { title: string; action?: React.ReactNode; children: React.ReactNode }) {
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{title}</Title>
        {action}
      </Group>
      {children}
    </Stack>
  );
}

function Scroll({ children }: { children: React.ReactNode }) {
  return (
    <Paper withBorder radius="md">
      <Table.ScrollContainer minWidth={480}>{children}</Table.ScrollContainer>
    </Paper>
  );
}

/** A delete button that asks first, naming what it deletes. */
function ConfirmDelete({ what, consequence, onConfirm, busy, label = "Delete" }: { what: string; consequence?: string; onConfirm: () => void; busy?: boolean; label?: string }) {
  const [opened, { open, close }] = useDisclosure(false);
  return (
    <>
      <Button size="xs" color="red" variant="subtle" onClick={open} aria-label={`${label} ${what}`}>
        {label}
      </Button>
      <Modal opened={opened} onClose={close} title={`${label} ${what}?`} centered>
        <Stack>
          {consequence && <Text size="sm">{consequence}</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button
              color="red"
              loading={busy}
              onClick={() => {
                onConfirm();
                close();
              }}
            >
              {label}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function useInvalidate() {
  const qc = useQueryClient();
  return (key: readonly unknown[]) => qc.invalidateQueries({ queryKey: key });
}

/** Validation errors go next to their fields; anything else becomes a toast. */
function showErrors(form: { setErrors(errors: Record<string, string>): void }, e: { message: string }) {
  const fields = fieldErrors(e);
  if (Object.keys(fields).length) form.setErrors(fields);
  else toast.fail(e.message);
}

export function AdminUsers() {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const session = useSession();
  const users = useQuery(trpc.user.list.queryOptions());
  const [opened, { open, close }] = useDisclosure(false);
  const form = useForm({
    initialValues: { username: "", password: "", name: "", email: "" },
    validate: { password: (v, values) => passwordError(v, values.username) },
  });
  const create = useMutation(
    trpc.user.create.mutationOptions({
      onSuccess: async () => {
        toast.ok(`User ${form.values.username} can sign in now.`, "User created");
        form.reset();
        close();
        await invalidate(trpc.user.pathKey());
      },
      onError: (e) => showErrors(form, e),
    }),
  );
  const remove = useMutation(
    trpc.user.delete.mutationOptions({
      onSuccess: async () => {
        toast.ok("User deleted.");
        await invalidate(trpc.user.pathKey());
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  return (
    <Page title="Users" action={<Button onClick={open}>Add user</Button>}>
      {users.isPending ? (
        <Loader />
      ) : (
        <Scroll>
          <Table aria-label="Users">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>User name</Table.Th>
                <Table.Th>Name</Table.Th>
                <Table.Th>E-mail</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(users.data ?? []).map((u) => (
                <Table.Tr key={u.id}>
                  <Table.Td>
                    {u.username} {u.id === session.user.id && <Badge size="xs">you</Badge>}
                  </Table.Td>
                  <Table.Td>{u.name}</Table.Td>
                  <Table.Td>{u.email}</Table.Td>
                  <Table.Td ta="right">
                    {u.id !== session.user.id && (
                      <ConfirmDelete what={`user ${u.username}`} consequence="Their sessions, API keys and access rows are removed too." onConfirm={() => remove.mutate({ id: u.id })} />
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Scroll>
      )}
      <Modal opened={opened} onClose={close} title="Add user" centered>
        <form onSubmit={form.onSubmit((v) => create.mutate({ username: v.username.trim(), password: v.password, name: v.name.trim() || null, email: v.email.trim() || null }))}>
          <Stack>
            <TextInput label="User name" required autoComplete="off" {...form.getInputProps("username")} />
            <PasswordInput label="Password" required autoComplete="new-password" description={PASSWORD_RULE} {...form.getInputProps("password")} />
            <TextInput label="Display name" {...form.getInputProps("name")} />
            <TextInput label="E-mail" type="email" {...form.getInputProps("email")} />
            <Button type="submit" loading={create.isPending}>
              Create user
            </Button>
          </Stack>
        </form>
      </Modal>
    </Page>
  );
}

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

export function AdminGroups() {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const groups = useQuery(trpc.group.list.queryOptions());
  const [selected, setSelected] = useState<string | null>(null);
  const [name, setName] = useState("");
  const create = useMutation(
    trpc.group.create.mutationOptions({
      onSuccess: async (r) => {
        setName("");
        setSelected(r.id);
        await invalidate(trpc.group.pathKey());
        toast.ok("Group created.");
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  return (
    <Page title="Groups">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) create.mutate({ name: name.trim() });
        }}
      >
        <Group align="flex-end" gap="xs">
          <TextInput label="New group" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Button type="submit" loading={create.isPending}>
            Create
          </Button>
        </Group>
      </form>
      <SimpleGrid cols={{ base: 1, md: 2 }} style={{ alignItems: "start" }}>
        <Scroll>
          <Table highlightOnHover aria-label="Groups">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Group</Table.Th>
                <Table.Th>Members</Table.Th>
                <Table.Th>Permissions</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {(groups.data ?? []).map((g) => (
                <Table.Tr key={g.id} onClick={() => setSelected(g.id)} style={{ cursor: "pointer" }} bg={selected === g.id ? "var(--mantine-primary-color-light)" : undefined}>
                  <Table.Td>
                    <Button variant="subtle" size="compact-sm" onClick={() => setSelected(g.id)}>
                      {g.name}
                    </Button>
                  </Table.Td>
                  <Table.Td>{g.memberCount ?? "everyone"}</Table.Td>
                  <Table.Td>
                    <Group gap={4}>
                      {g.permissions.map((p) => (
                        <Badge key={p} size="xs" variant="light">
                          {p}
                        </Badge>
                      ))}
                    </Group>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Scroll>
        {selected ? <GroupDetail key={selected} id={selected} onDeleted={() => setSelected(null)} /> : <Text c="dimmed">Choose a group to see its members and permissions.</Text>}
      </SimpleGrid>
    </Page>
  );
}

function GroupDetail({ id, onDeleted }: { id: string; onDeleted: () => void }) {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const group = useQuery(trpc.group.byId.queryOptions({ id }));
  const users = useQuery(trpc.user.list.queryOptions());
  const [perms, setPerms] = useState<string[] | null>(null);
  const [adding, setAdding] = useState<string | null>(null);
  const refresh = () => invalidate(trpc.group.pathKey());
  const onError = (e: { message: string }) => toast.fail(e.message);
  const addMember = useMutation(trpc.group.addMember.mutationOptions({ onSuccess: refresh, onError }));
  const removeMember = useMutation(trpc.group.removeMember.mutationOptions({ onSuccess: refresh, onError }));
  const savePerms = useMutation(
    trpc.group.savePermissions.mutationOptions({
      onSuccess: async () => {
        toast.ok("Global permissions saved.");
        await refresh();
      },
      onError,
    }),
  );
  const del = useMutation(
    trpc.group.delete.mutationOptions({
      onSuccess: async () => {
        toast.ok("Group deleted.");
        onDeleted();
        await refresh();
      },
      onError,
    }),
  );
  if (!group.data) return <Loader />;
  const g = group.data;
  const current = perms ?? g.permissions;
  const free = (users.data ?? []).filter((u) => !g.members.some((m) => m.id === u.id));
  return (
    <Paper withBorder p="md" radius="md">
      <Stack>
        <Group justify="space-between">
          <Title order={3} size="h4">
            {g.name}
          </Title>
          {!g.builtIn && <ConfirmDelete what={`group ${g.name}`} consequence="Its members lose the permissions they had through it." onConfirm={() => del.mutate({ id })} />}
        </Group>
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

export function ApiKeys() {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const keys = useQuery(trpc.auth.listApiKeys.queryOptions());
  const [name, setName] = useState("");
  const [validDays, setValidDays] = useState<string>("never");
  const [token, setToken] = useState<string | null>(null);
  const create = useMutation(
    trpc.auth.createApiKey.mutationOptions({
      onSuccess: async (r) => {
        setToken(r.token);
        setName("");
        await invalidate(trpc.auth.listApiKeys.queryKey());
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const revoke = useMutation(
    trpc.auth.revokeApiKey.mutationOptions({
      onSuccess: async () => {
        toast.ok("The key no longer works.", "API key revoked");
        await invalidate(trpc.auth.listApiKeys.queryKey());
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  return (
    <Page title="API keys">
      <Text size="sm" c="dimmed">
        Scripts and other tools act as you with an API key, sent as the header <Code>ApiKey: &lt;token&gt;</Code> or <Code>Authorization: Bearer &lt;token&gt;</Code>.
      </Text>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const expiresAt = validDays === "never" ? null : new Date(Date.now() + Number(validDays) * 86_400_000);
          if (name.trim()) create.mutate({ name: name.trim(), expiresAt });
        }}
      >
        <Group align="flex-end" gap="xs">
          <TextInput label="Key name" placeholder="home-assistant, backup script…" value={name} onChange={(e) => setName(e.currentTarget.value)} />
          <Select
            label="Expires"
            w={140}
            value={validDays}
            onChange={(v) => setValidDays(v ?? "never")}
            allowDeselect={false}
            data={[
              { value: "never", label: "never" },
              { value: "30", label: "in 30 days" },
              { value: "90", label: "in 90 days" },
              { value: "365", label: "in a year" },
            ]}
          />
          <Button type="submit" loading={create.isPending}>
            Create key
          </Button>
        </Group>
      </form>
      {token && (
        <Alert color="green" title="Copy the key now: it is shown only once" withCloseButton onClose={() => setToken(null)} data-testid="new-token">
          <Group gap="xs" wrap="nowrap">
            <Code style={{ wordBreak: "break-all" }}>{token}</Code>
            <CopyButton value={token}>
              {({ copied, copy }) => (
                <Button size="xs" variant="light" onClick={copy}>
                  {copied ? "Copied" : "Copy"}
                </Button>
              )}
            </CopyButton>
          </Group>
        </Alert>
      )}
      <Scroll>
        <Table aria-label="API keys">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Created</Table.Th>
              <Table.Th>Last used</Table.Th>
              <Table.Th>Expires</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(keys.data ?? []).map((k) => (
              <Table.Tr key={k.id}>
                <Table.Td>{k.name}</Table.Td>
                <Table.Td>{k.createdAt.toLocaleString()}</Table.Td>
                <Table.Td>{k.lastUsedAt ? k.lastUsedAt.toLocaleString() : "never"}</Table.Td>
                <Table.Td>{!k.expiresAt ? "never" : k.expiresAt.getTime() <= Date.now() ? <Badge color="gray">expired</Badge> : k.expiresAt.toLocaleString()}</Table.Td>
                <Table.Td ta="right">
                  <ConfirmDelete what={`API key ${k.name}`} label="Revoke" consequence="Scripts using it stop working at once." onConfirm={() => revoke.mutate({ id: k.id })} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Scroll>
    </Page>
  );
}

export function AdminApps() {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const can = useCan();
  const apps = useQuery(trpc.app.all.queryOptions());
  const [opened, { open, close }] = useDisclosure(false);
  const form = useForm({ initialValues: { name: "", description: "", iconUrl: "/favicon.svg", href: "", pingUrl: "" } });
  const create = useMutation(
    trpc.app.create.mutationOptions({
      onSuccess: async () => {
        toast.ok("App created.");
        form.reset();
        close();
        await invalidate(trpc.app.pathKey());
      },
      onError: (e) => showErrors(form, e),
    }),
  );
  const remove = useMutation(
    trpc.app.delete.mutationOptions({
      onSuccess: async () => {
        toast.ok("App deleted.");
        await invalidate(trpc.app.pathKey());
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  return (
    <Page title="Apps" action={can("app-create") && <Button onClick={open}>Add app</Button>}>
      <Text size="sm" c="dimmed">
        Apps are links to your services (for dashboards); an integration may point to one.
      </Text>
      <Scroll>
        <Table aria-label="Apps">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Link</Table.Th>
              <Table.Th>Description</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(apps.data ?? []).map((a) => (
              <Table.Tr key={a.id}>
                <Table.Td>{a.name}</Table.Td>
                <Table.Td>{a.href}</Table.Td>
                <Table.Td>{a.description}</Table.Td>
                <Table.Td ta="right">
                  <ConfirmDelete what={`app ${a.name}`} consequence="Integrations linked to it keep working, without the link." onConfirm={() => remove.mutate({ id: a.id })} />
                </Table.Td>
              </Table.Tr>
            ))}
            {apps.data?.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed" size="sm">
                    No apps yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Scroll>
      <Modal opened={opened} onClose={close} title="Add app" centered>
        <form onSubmit={form.onSubmit((v) => create.mutate({ name: v.name, description: v.description || null, iconUrl: v.iconUrl, href: v.href || null, pingUrl: v.pingUrl || null }))}>
          <Stack>
            <TextInput label="Name" required {...form.getInputProps("name")} />
            <TextInput label="Link" placeholder="https://sonarr.example.lan" {...form.getInputProps("href")} />
            <TextInput label="Icon URL" required {...form.getInputProps("iconUrl")} />
            <TextInput label="Ping URL" {...form.getInputProps("pingUrl")} />
            <TextInput label="Description" {...form.getInputProps("description")} />
            <Button type="submit" loading={create.isPending}>
              Create app
            </Button>
          </Stack>
        </form>
      </Modal>
    </Page>
  );
}

export function AdminSearchEngines() {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const can = useCan();
  const engines = useQuery(trpc.searchEngine.all.queryOptions());
  const [opened, { open, close }] = useDisclosure(false);
  const form = useForm({ initialValues: { name: "", short: "", urlTemplate: "https://duckduckgo.com/?q=%s", iconUrl: "/favicon.svg", description: "" } });
  const create = useMutation(
    trpc.searchEngine.create.mutationOptions({
      onSuccess: async () => {
        toast.ok("Search engine created.");
        form.reset();
        close();
        await invalidate(trpc.searchEngine.pathKey());
      },
      onError: (e) => showErrors(form, e),
    }),
  );
  const remove = useMutation(
    trpc.searchEngine.delete.mutationOptions({
      onSuccess: async () => {
        toast.ok("Search engine deleted.");
        await invalidate(trpc.searchEngine.pathKey());
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  return (
    <Page title="Search engines" action={can("search-engine-create") && <Button onClick={open}>Add search engine</Button>}>
      <Text size="sm" c="dimmed">
        Generic engines open a URL with your query; engines made from an integration search inside that service.
      </Text>
      <Scroll>
        <Table aria-label="Search engines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>Short</Table.Th>
              <Table.Th>Type</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(engines.data ?? []).map((e) => (
              <Table.Tr key={e.id}>
                <Table.Td>{e.name}</Table.Td>
                <Table.Td>
                  <Code>!{e.short}</Code>
                </Table.Td>
                <Table.Td>{e.type === "fromIntegration" ? <Badge variant="light">integration</Badge> : <Text size="sm">{e.urlTemplate}</Text>}</Table.Td>
                <Table.Td ta="right">
                  <ConfirmDelete what={`search engine ${e.name}`} onConfirm={() => remove.mutate({ id: e.id })} />
                </Table.Td>
              </Table.Tr>
            ))}
            {engines.data?.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed" size="sm">
                    No search engines yet.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Scroll>
      <Modal opened={opened} onClose={close} title="Add search engine" centered>
        <form onSubmit={form.onSubmit((v) => create.mutate({ name: v.name, short: v.short, urlTemplate: v.urlTemplate, iconUrl: v.iconUrl, description: v.description || null }))}>
          <Stack>
            <TextInput label="Name" required {...form.getInputProps("name")} />
            <TextInput label="Short name" description="Letters, digits, _ and -" required {...form.getInputProps("short")} />
            <TextInput label="URL template" description="%s is replaced by the query" required {...form.getInputProps("urlTemplate")} />
            <TextInput label="Icon URL" required {...form.getInputProps("iconUrl")} />
            <TextInput label="Description" {...form.getInputProps("description")} />
            <Button type="submit" loading={create.isPending}>
              Create search engine
            </Button>
          </Stack>
        </form>
      </Modal>
    </Page>
  );
}

export function AdminCertificates() {
  const trpc = useTRPC();
  const invalidate = useInvalidate();
  const certs = useQuery(trpc.certificate.all.queryOptions());
  const remove = useMutation(
    trpc.certificate.remove.mutationOptions({
      onSuccess: async () => {
        toast.ok("Certificate no longer trusted.");
        await invalidate(trpc.certificate.pathKey());
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  return (
    <Page title="Trusted certificates">
      <Text size="sm" c="dimmed">
        Self-signed certificates you trusted from a failed connection test. Patchbay accepts them for outbound HTTPS.
      </Text>
      <Scroll>
        <Table aria-label="Trusted certificates">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Subject</Table.Th>
              <Table.Th>Valid until</Table.Th>
              <Table.Th>SHA-256</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(certs.data ?? []).map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.subject}</Table.Td>
                <Table.Td>{new Date(c.validTo).toLocaleDateString()}</Table.Td>
                <Table.Td>
                  <Code style={{ wordBreak: "break-all" }}>{c.fingerprint256}</Code>
                </Table.Td>
                <Table.Td ta="right">
                  <ConfirmDelete what={`certificate ${c.subject}`} label="Remove" consequence="Connections to services using it fail again until it is trusted anew." onConfirm={() => remove.mutate({ id: c.id })} />
                </Table.Td>
              </Table.Tr>
            ))}
            {certs.data?.length === 0 && (
              <Table.Tr>
                <Table.Td colSpan={4}>
                  <Text c="dimmed" size="sm">
                    No trusted certificates.
                  </Text>
                </Table.Td>
              </Table.Tr>
            )}
          </Table.Tbody>
        </Table>
      </Scroll>
    </Page>
  );
}
