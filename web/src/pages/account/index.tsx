import { Alert, Badge, Button, Code, CopyButton, Group, Select, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTRPC, useTRPCClient, type Outputs } from "../../api";
import { EntityScreen } from "../../components/EntityScreen";

type Key = Outputs["auth"]["listApiKeys"][number];
type Values = { name: string; validDays: string };

const EXPIRY = [
  { value: "never", label: "never" },
  { value: "30", label: "in 30 days" },
  { value: "90", label: "in 90 days" },
  { value: "365", label: "in a year" },
];

/** The caller's own API keys: the token is shown once, right after it was created. */
export default function ApiKeys() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const keys = useQuery(trpc.auth.listApiKeys.queryOptions());
  const [token, setToken] = useState<string | null>(null);
  return (
    <EntityScreen<Key, Values>
      title="API keys"
      noun="API key"
      intro={
        <>
          Scripts and other tools act as you with an API key, sent as the header <Code>ApiKey: &lt;token&gt;</Code> or <Code>Authorization: Bearer &lt;token&gt;</Code>.
        </>
      }
      rows={keys.data}
      name={(k) => k.name}
      emptyText="No API keys yet."
      invalidate={trpc.auth.listApiKeys.queryKey()}
      columns={[
        { label: "Name", cell: (k) => k.name },
        { label: "Created", cell: (k) => k.createdAt.toLocaleString() },
        { label: "Last used", cell: (k) => (k.lastUsedAt ? k.lastUsedAt.toLocaleString() : "never") },
        { label: "Expires", cell: (k) => (!k.expiresAt ? "never" : k.expiresAt.getTime() <= Date.now() ? <Badge color="gray">expired</Badge> : k.expiresAt.toLocaleString()) },
      ]}
      editor={{
        inline: true,
        createLabel: "Create key",
        empty: { name: "", validDays: "never" },
        validate: { name: (v) => (v.trim() ? null : "Give the key a name") },
        fields: (form) => (
          <>
            <TextInput label="Key name" placeholder="home-assistant, backup script…" {...form.getInputProps("name")} />
            <Select label="Expires" w={140} allowDeselect={false} data={EXPIRY} {...form.getInputProps("validDays")} />
          </>
        ),
        save: (v) => client.auth.createApiKey.mutate({ name: v.name.trim(), expiresAt: v.validDays === "never" ? null : new Date(Date.now() + Number(v.validDays) * 86_400_000) }),
        saved: (v) => `API key “${v.name.trim()}” created.`,
        created: (r) => setToken((r as { token: string }).token),
      }}
      notice={
        token && (
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
        )
      }
      remove={{ label: "Revoke", consequence: "Scripts using it stop working at once.", run: (k) => client.auth.revokeApiKey.mutate({ id: k.id }), done: "The key no longer works." }}
    />
  );
}
