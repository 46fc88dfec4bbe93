import { Alert, Anchor, Card, Group, Skeleton, Stack, Text, Title } from "@mantine/core";
import type { ReactNode } from "react";
import { Link } from "react-router";
import type { IntegrationItem } from "../../api";
import { ago, useNow, type Capability, type DataOf, type Envelope, type Live } from "./live";

export interface CardProps {
  /** The integrations this card shows, in order (already filtered to those the user can use). */
  integrations: IntegrationItem[];
}

/** One dashboard card: a titled region with a fixed minimum height, so streaming data does not shift the page. */
export function CardShell({ title, testId, children, actions }: { title: string; testId: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <Card withBorder radius="md" padding="md" component="section" aria-label={title} data-testid={testId} mih={180}>
      <Group justify="space-between" mb="sm" wrap="nowrap">
        <Title order={2} size="h4">
          {title}
        </Title>
        {actions}
      </Group>
      <Stack gap="md">{children}</Stack>
    </Card>
  );
}

/** Placeholder rows while the first emission is on its way (same height as a typical section). */
export function SectionSkeleton({ rows = 2 }: { rows?: number }) {
  return (
    <Stack gap={8} aria-busy="true" aria-label="Loading">
      <Skeleton height={16} width="40%" />
      {Array.from({ length: rows }, (_, i) => (
        <Skeleton key={i} height={28} />
      ))}
    </Stack>
  );
}

/**
 * One integration inside a card: its name, "updated N s ago", and either its data or its error (with a link
 * to fix it for users with full access). Each integration fails alone.
 */
export function IntegrationSection<C extends Capability>({
  envelope,
  integration,
  children,
  extra,
}: {
  envelope: Envelope<C> | undefined;
  integration: IntegrationItem;
  children: (data: DataOf<C>) => ReactNode;
  extra?: ReactNode;
}) {
  const now = useNow();
  return (
    <Stack gap={6} data-testid="integration-section" data-integration={integration.name}>
      <Group justify="space-between" gap="xs" wrap="wrap">
        <Text fw={600} size="sm">
          {integration.name}
        </Text>
        <Group gap="xs" wrap="nowrap">
          {envelope && "updatedAt" in envelope && (
            <Text size="xs" c="dimmed" data-testid="updated">
              updated {ago(now, envelope.updatedAt)}
            </Text>
          )}
          {extra}
        </Group>
      </Group>
      {!envelope ? (
        <SectionSkeleton />
      ) : "error" in envelope ? (
        <Alert color="red" variant="light" title={`${integration.name} is not answering`} data-testid="integration-error" role="alert">
          <Text size="sm">{envelope.error.message}</Text>
          {integration.permissions.hasFullAccess && (
            <Anchor component={Link} to={`/integrations/${integration.id}/settings`} size="sm">
              Check the settings of {integration.name}
            </Anchor>
          )}
        </Alert>
      ) : (
        children(envelope.data)
      )}
    </Stack>
  );
}

/** The sections of a card, one per integration, in the card's order; the subscription's own failure on top. */
export function Sections<C extends Capability>({
  live,
  integrations,
  render,
  extra,
}: {
  live: Live<C>;
  integrations: IntegrationItem[];
  render: (data: DataOf<C>, integration: IntegrationItem, envelope: Envelope<C>) => ReactNode;
  extra?: (integration: IntegrationItem, envelope: Envelope<C> | undefined) => ReactNode;
}) {
  const byId = new Map((live.envelopes ?? []).map((e) => [e.integration.id, e as Envelope<C>]));
  return (
    <>
      {live.error && (
        <Alert color="red" variant="light" role="alert" data-testid="card-error">
          {live.error}
        </Alert>
      )}
      {integrations.map((i) => {
        const env = byId.get(i.id);
        return (
          <IntegrationSection<C> key={i.id} envelope={env} integration={i} extra={extra?.(i, env)}>
            {(data) => render(data, i, env!)}
          </IntegrationSection>
        );
      })}
    </>
  );
}

export const canInteract = (i: IntegrationItem) => i.permissions.hasInteractAccess || i.permissions.hasFullAccess;
