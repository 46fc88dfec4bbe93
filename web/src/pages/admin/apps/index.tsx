import { TextInput } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTRPC, useTRPCClient, type Outputs } from "../../../api";
import { EntityScreen } from "../../../components/EntityScreen";
import { useCan } from "../../../hooks/session";

type App = Outputs["app"]["all"][number];
type Values = { name: string; description: string; iconUrl: string; href: string; pingUrl: string };

const orNull = (v: string) => v.trim() || null;

/** Apps: links to the services (for dashboards); editing needs app-full-all or having created it (the server decides). */
export default function AdminApps() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const can = useCan();
  const apps = useQuery(trpc.app.all.queryOptions());
  return (
    <EntityScreen<App, Values>
      title="Apps"
      noun="app"
      intro="Apps are links to your services (for dashboards); an integration may point to one."
      rows={apps.data}
      name={(a) => a.name}
      emptyText="No apps yet."
      invalidate={trpc.app.pathKey()}
      columns={[
        { label: "Name", cell: (a) => a.name },
        { label: "Link", cell: (a) => a.href },
        { label: "Description", cell: (a) => a.description },
      ]}
      canCreate={can("app-create")}
      editor={{
        empty: { name: "", description: "", iconUrl: "/favicon.svg", href: "", pingUrl: "" },
        of: (a) => ({ name: a.name, description: a.description ?? "", iconUrl: a.iconUrl, href: a.href ?? "", pingUrl: a.pingUrl ?? "" }),
        fields: (form) => (
          <>
            <TextInput label="Name" required data-autofocus {...form.getInputProps("name")} />
            <TextInput label="Link" placeholder="https://sonarr.example.lan" {...form.getInputProps("href")} />
            <TextInput label="Icon URL" required {...form.getInputProps("iconUrl")} />
            <TextInput label="Ping URL" {...form.getInputProps("pingUrl")} />
            <TextInput label="Description" {...form.getInputProps("description")} />
          </>
        ),
        save: (v, row) => {
          const fields = { name: v.name.trim(), description: orNull(v.description), iconUrl: v.iconUrl.trim(), href: orNull(v.href), pingUrl: orNull(v.pingUrl) };
          return row ? client.app.update.mutate({ id: row.id, ...fields }) : client.app.create.mutate(fields);
        },
        saved: (_v, row) => (row ? "App saved." : "App created."),
      }}
      remove={{ consequence: "Integrations linked to it keep working, without the link.", run: (a) => client.app.delete.mutate({ id: a.id }), done: "App deleted." }}
    />
  );
}
