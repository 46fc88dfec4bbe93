import { Alert, Anchor, Button, Group, SimpleGrid, Skeleton, Stack, Text, Title } from "@mantine/core";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { Link } from "react-router";
import { errorText, useTRPC, type IntegrationItem, type Outputs } from "../../api";
import { useCan } from "../../hooks/session";
import { toast } from "../../ui";
import { CalendarCard } from "./CalendarCard";
import { Customize } from "./Customize";
import { DnsCard } from "./DnsCard";
import { DownloadsCard } from "./DownloadsCard";
import { IndexersCard } from "./IndexersCard";
import { cardInputs } from "./inputs";
import { LiveProvider, type Capability } from "./live";
import { MonitoringCard } from "./MonitoringCard";
import { NowPlayingCard } from "./NowPlayingCard";
import { RequestsCard } from "./RequestsCard";
import { SmartHomeCard } from "./SmartHomeCard";
import { TranscodingCard } from "./TranscodingCard";

export type Layout = Outputs["dashboard"]["getLayout"]["layout"];

export const CARD_TITLES: Record<Capability, string> = {
  downloads: "Downloads",
  dnsHole: "DNS blocking",
  mediaRequests: "Media requests",
  mediaServer: "Now playing",
  calendar: "Calendar",
  indexers: "Indexers",
  smartHome: "Smart home",
  monitoring: "Monitoring",
  transcoding: "Transcoding",
};

/** Per capability, the integrations the user can use whose kind has it (list order: kind, then name). */
export function useCapable(): { byCapability: Map<Capability, IntegrationItem[]>; ready: boolean } {
  const trpc = useTRPC();
  const list = useQuery(trpc.integration.all.queryOptions());
  const kinds = useQuery(trpc.integration.getKinds.queryOptions(undefined, { staleTime: Infinity }));
  const byCapability = new Map<Capability, IntegrationItem[]>();
  const capsOf = new Map((kinds.data ?? []).map((k) => [k.kind, (k as { capabilities?: string[] }).capabilities ?? []]));
  for (const i of list.data ?? []) {
    for (const c of capsOf.get(i.kind) ?? []) byCapability.set(c as Capability, [...(byCapability.get(c as Capability) ?? []), i]);
  }
  return { byCapability, ready: Boolean(list.data && kinds.data) };
}

/** The integrations a card shows: the layout's choice (in its order), or every capable one. */
function chosen(all: IntegrationItem[], ids: string[] | null): IntegrationItem[] {
  if (ids === null) return all;
  const byId = new Map(all.map((i) => [i.id, i]));
  return ids.map((id) => byId.get(id)).filter((i): i is IntegrationItem => !!i);
}

/** The landing page after sign-in: live cards of what the user's services are doing. */
export function DashboardPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const can = useCan();
  const layoutQuery = useQuery(trpc.dashboard.getLayout.queryOptions());
  const { byCapability, ready } = useCapable();
  const [customizing, setCustomizing] = useState(false);
  const save = useMutation(
    trpc.dashboard.saveLayout.mutationOptions({
      onSuccess: async (_r, layout) => {
        qc.setQueryData(trpc.dashboard.getLayout.queryKey(), { saved: true, layout: layout as Layout });
        await qc.invalidateQueries({ queryKey: trpc.dashboard.getLayout.queryKey() });
      },
      onError: (e) => toast.fail(errorText(e), "The layout was not saved"),
    }),
  );

  const header = (
    <Group justify="space-between" mb="md">
      <Title order={1} size="h2">
        Dashboard
      </Title>
      <Button variant="default" onClick={() => setCustomizing(true)} disabled={!layoutQuery.data || !ready}>
        Customize
      </Button>
    </Group>
  );
  if (layoutQuery.error) {
    return (
      <>
        {header}
        <Alert color="red" role="alert">{errorText(layoutQuery.error)}</Alert>
      </>
    );
  }
  if (!layoutQuery.data || !ready) {
    return (
      <>
        {header}
        <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} aria-busy="true">
          {[0, 1, 2].map((n) => (
            <Skeleton key={n} height={220} radius="md" />
          ))}
        </SimpleGrid>
      </>
    );
  }
  const layout = layoutQuery.data.layout;
  const saveLayout = (next: Layout) => save.mutateAsync(next);

  const shown: [Capability, IntegrationItem[]][] = layout.cards
    .map((card) => [card.capability as Capability, chosen(byCapability.get(card.capability as Capability) ?? [], card.integrationIds)] as [Capability, IntegrationItem[]])
    .filter(([, integrations]) => integrations.length > 0);
  const cards: ReactNode[] = shown.map(([c, integrations]) => {
    const props = { integrations };
    const el =
      c === "downloads" ? <DownloadsCard {...props} />
      : c === "dnsHole" ? <DnsCard {...props} />
      : c === "mediaRequests" ? <RequestsCard {...props} />
      : c === "mediaServer" ? <NowPlayingCard {...props} />
      : c === "calendar" ? <CalendarCard {...props} view={layout.calendarView} onView={(v) => void saveLayout({ ...layout, calendarView: v })} />
      : c === "indexers" ? <IndexersCard {...props} />
      : c === "smartHome" ? <SmartHomeCard {...props} pins={layout.pinnedEntities} />
      : c === "monitoring" ? <MonitoringCard {...props} />
      : <TranscodingCard {...props} />;
    return <div key={c}>{el}</div>;
  });
  // Midnight today: the calendar's range (and so the stream) changes once a day, not on every render.
  const today = new Date(new Date().setHours(0, 0, 0, 0));
  const inputs = cardInputs(shown, { pins: layout.pinnedEntities, view: layout.calendarView, today });

  return (
    <>
      {header}
      {cards.length ? (
        <LiveProvider inputs={inputs}>
          <SimpleGrid cols={{ base: 1, md: 2, xl: 3 }} spacing="md" data-testid="dashboard-cards">
            {cards}
          </SimpleGrid>
        </LiveProvider>
      ) : (
        <Stack align="center" py="xl" gap="xs" data-testid="dashboard-empty">
          <Title order={2} size="h3">
            Nothing on your dashboard yet
          </Title>
          <Text c="dimmed" ta="center" maw={520}>
            Cards appear for the services you can use: downloads (qBittorrent, Transmission…), DNS blocking (Pi-hole,
            AdGuard Home), media requests, what is playing, the calendar of your *arr, indexers, smart home,
            monitoring and transcoding.{" "}
            {byCapability.size
              ? "Turn cards on under “Customize”."
              : can("integration-create")
                ? "Add an integration to begin."
                : "Ask an administrator to share an integration with you."}
          </Text>
          {!byCapability.size && can("integration-create") && (
            <Anchor component={Link} to="/integrations/new">
              Add an integration
            </Anchor>
          )}
        </Stack>
      )}
      {customizing && <Customize layout={layout} byCapability={byCapability} onClose={() => setCustomizing(false)} onSave={saveLayout} />}
    </>
  );
}
