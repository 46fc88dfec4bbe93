import { Alert, Anchor, Group, Loader, Stack, Tabs, Text, Title } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Link, useNavigate, useParams } from "react-router";
import { useTRPC } from "../../api";
import { IntegrationForm } from "../../forms/integration/IntegrationForm";
import { useKinds } from "../../hooks/kinds";
import { AccessBadge, KindIcon } from "../../ui";
import { IntegrationSearch } from "../search/IntegrationSearch";
import { AccessEditor } from "./Access";
import { DeleteIntegration } from "./DeleteIntegration";
import { IntegrationHistory } from "../IntegrationHistory";

/** One integration: Search (use), Settings and Access (full). */
export default function IntegrationPage() {
  const { id = "", tab } = useParams();
  const trpc = useTRPC();
  const navigate = useNavigate();
  const { byKind } = useKinds();
  const all = useQuery(trpc.integration.all.queryOptions());
  const item = all.data?.find((i) => i.id === id);
  const kind = item ? byKind.get(item.kind) : undefined;
  const full = Boolean(item?.permissions.hasFullAccess);
  const detail = useQuery({ ...trpc.integration.byId.queryOptions({ id }), enabled: full });

  if (all.isPending) return <Loader aria-label="Loading" />;
  if (!item) {
    return (
      <Alert color="red" title="Integration not found">
        It does not exist or is not shared with you. <Anchor component={Link} to="/integrations">Back to the integrations</Anchor>
      </Alert>
    );
  }
  const tabs = [...(kind?.supportsSearch ? ["search"] : []), ...(full ? ["settings", "access"] : [])];
  const current = tab && tabs.includes(tab) ? tab : (tabs[0] ?? "none");
  return (
    <Stack>
      <Group gap="sm" wrap="nowrap">
        <KindIcon kind={kind} size="lg" />
        <div style={{ minWidth: 0 }}>
          <Group gap="xs">
            <Title order={2}>{item.name}</Title>
            <AccessBadge p={item.permissions} />
          </Group>
          <Text size="sm" c="dimmed" truncate>
            {kind?.name} ·{" "}
            <Anchor href={item.url} target="_blank" rel="noreferrer" size="sm">
              {item.url}
            </Anchor>
          </Text>
        </div>
      </Group>
      {tab && !tabs.includes(tab) && (
        <Alert color="yellow" title="Not available" data-testid="no-access">
          {tab === "settings" || tab === "access"
            ? "You can use this integration, but only people with full access can edit it or change who may use it."
            : "This kind of integration has no search."}
        </Alert>
      )}
      {tabs.length === 0 && <Text c="dimmed">You can use this integration in dashboards and scripts; there is nothing to manage here.</Text>}
      {tabs.length > 0 && (
        <Tabs value={current} onChange={(v) => v && void navigate(`/integrations/${id}/${v}`)} keepMounted={false}>
          <Tabs.List>
            {tabs.includes("search") && <Tabs.Tab value="search">Search</Tabs.Tab>}
            {full && <Tabs.Tab value="settings">Settings</Tabs.Tab>}
            {full && <Tabs.Tab value="access">Access</Tabs.Tab>}
          </Tabs.List>
          <Tabs.Panel value="search" pt="md">
            <IntegrationSearch id={id} name={item.name} />
          </Tabs.Panel>
          <Tabs.Panel value="settings" pt="md">
            {detail.data && kind ? (
              <IntegrationForm
                key={detail.dataUpdatedAt}
                detail={detail.data}
                kind={kind}
                actions={<DeleteIntegration detail={detail.data} onDeleted={() => void navigate("/integrations")} />}
              />
            ) : detail.error ? <Alert color="red">{detail.error.message}</Alert> : <Loader />}
          </Tabs.Panel>
          <Tabs.Panel value="access" pt="md">
            <AccessEditor id={id} />
          </Tabs.Panel>
        </Tabs>
      )}
      {full && <IntegrationHistory id={id} />}
    </Stack>
  );
}
