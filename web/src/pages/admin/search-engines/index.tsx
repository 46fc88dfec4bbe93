import { Badge, Code, Text, TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTRPC, useTRPCClient, type Outputs } from "../../../api";
import { EntityScreen } from "../../../components/EntityScreen";
import { useCan } from "../../../hooks/session";

type Engine = Outputs["searchEngine"]["all"][number];
type Values = { name: string; short: string; urlTemplate: string; iconUrl: string; description: string };

/** Search engines: generic ones open a URL; ones made from an integration search inside it (no URL template). */
export default function AdminSearchEngines() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const can = useCan();
  const engines = useQuery(trpc.searchEngine.all.queryOptions());
  return (
    <EntityScreen<Engine, Values>
      title="Search engines"
      noun="search engine"
      intro="Generic engines open a URL with your query; engines made from an integration search inside that service."
      rows={engines.data}
      name={(e) => e.name}
      emptyText="No search engines yet."
      invalidate={trpc.searchEngine.pathKey()}
      columns={[
        { label: "Name", cell: (e) => e.name },
        { label: "Short", cell: (e) => <Code>!{e.short}</Code> },
        { label: "Type", cell: (e) => (e.type === "fromIntegration" ? <Badge variant="light">integration</Badge> : <Text size="sm">{e.urlTemplate}</Text>) },
      ]}
      canCreate={can("search-engine-create")}
      editor={{
        empty: { name: "", short: "", urlTemplate: "https://duckduckgo.com/?q=%s", iconUrl: "/favicon.svg", description: "" },
        of: (e) => ({ name: e.name, short: e.short, urlTemplate: e.urlTemplate ?? "", iconUrl: e.iconUrl, description: e.description ?? "" }),
        fields: (form, row) => (
          <>
            <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
            <TextInput label="Short name" description="Letters, digits, _ and -" required {...form.getInputProps("short")} />
            {row?.type !== "fromIntegration" && <TextInput label="URL template" description="%s is replaced by the query" required {...form.getInputProps("urlTemplate")} />}
            <TextInput label="Icon URL" required {...form.getInputProps("iconUrl")} />
            <TextInput label="Description" {...form.getInputProps("description")} />
          </>
        ),
        save: (v, row) => {
          const fields = {
            name: v.name.trim(),
            short: v.short.trim(),
            iconUrl: v.iconUrl.trim(),
            urlTemplate: row?.type === "fromIntegration" ? null : v.urlTemplate.trim(),
            description: v.description.trim() || null,
          };
          return row ? client.searchEngine.update.mutate({ id: row.id, ...fields }) : client.searchEngine.create.mutate(fields);
        },
        saved: (_v, row) => (row ? "Search engine saved." : "Search engine created."),
      }}
      remove={{ run: (e) => client.searchEngine.delete.mutate({ id: e.id }), done: "Search engine deleted." }}
    />
  );
}
