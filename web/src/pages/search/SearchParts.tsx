import { Anchor, Avatar, Badge, Button, Group, Paper, Stack, Text, TextInput } from "@mantine/core";
import { useState } from "react";
import type { Outputs } from "../../api";

type Result = Outputs["integration"]["searchInIntegration"][number];

export function SearchBox({ label, onSearch, busy }: { label: string; onSearch: (q: string) => void; busy: boolean }) {
  const [q, setQ] = useState("");
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (q.trim()) onSearch(q.trim());
      }}
      role="search"
    >
      <Group align="flex-end" gap="xs">
        <TextInput label={label} placeholder="A title, a person, a device…" value={q} onChange={(e) => setQ(e.currentTarget.value)} style={{ flex: 1, maxWidth: 480 }} />
        <Button type="submit" loading={busy}>
          Search
        </Button>
      </Group>
    </form>
  );
}

export function Results({ results }: { results: Result[] }) {
  if (!results.length) return <Text c="dimmed" size="sm">Nothing found.</Text>;
  return (
    <Stack gap={6}>
      {results.map((r) => (
        <Paper key={r.id} withBorder p="xs" radius="md" data-testid="search-result">
          <Group wrap="nowrap" gap="sm">
            <Avatar src={r.image} alt="" radius="sm" size="lg">
              {r.name.slice(0, 1)}
            </Avatar>
            <div style={{ minWidth: 0, flex: 1 }}>
              <Group gap="xs">
                {r.link ? (
                  <Anchor href={r.link} target="_blank" rel="noreferrer" fw={600}>
                    {r.name}
                  </Anchor>
                ) : (
                  <Text fw={600}>{r.name}</Text>
                )}
                {r.type && <Badge variant="light">{r.type}</Badge>}
              </Group>
              {r.text && (
                <Text size="sm" c="dimmed" lineClamp={2}>
                  {r.text}
                </Text>
              )}
            </div>
          </Group>
        </Paper>
      ))}
    </Stack>
  );
}

