import { Anchor, Avatar, Badge, Button, Group, Image, Stack, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTRPC } from "../../api";
import { canInteract, CardShell, Sections, type CardProps } from "./CardShell";
import { useAction, useLive, type DataOf } from "./live";

type Request = DataOf<"mediaRequests">["requests"][number];
const pendingFirst = (a: Request, b: Request) => Number(b.status === "pending") - Number(a.status === "pending") || b.createdAt.getTime() - a.createdAt.getTime();

/** Media requests: pending first, with poster and requester; approve/decline for interact users. */
export function RequestsCard({ integrations }: CardProps) {
  const trpc = useTRPC();
  const live = useLive("mediaRequests");
  const action = useAction(live.refresh);
  const approve = useMutation(trpc.mediaRequests.approve.mutationOptions());
  const decline = useMutation(trpc.mediaRequests.decline.mutationOptions());
  return (
    <CardShell title="Media requests" testId="card-requests">
      <Sections
        live={live}
        integrations={integrations}
        extra={(_i, env) => env && "data" in env ? <Badge variant="light">{env.data.counts.pending} pending</Badge> : null}
        render={(d, i) =>
          d.requests.length === 0 ? (
            <Text size="sm" c="dimmed">No requests.</Text>
          ) : (
            <Stack gap={8}>
              {[...d.requests].sort(pendingFirst).map((r) => {
                const ok = `Approved ${r.title}`;
                const no = `Declined ${r.title}`;
                return (
                  <Group key={r.id} gap="sm" wrap="nowrap" align="flex-start" data-testid="media-request" data-title={r.title}>
                    <Image src={r.posterUrl} alt="" w={40} h={60} radius="sm" fallbackSrc="/favicon.svg" referrerPolicy="no-referrer" loading="lazy" />
                    <Stack gap={2} style={{ flex: 1, minWidth: 0 }}>
                      <Anchor href={r.link} target="_blank" rel="noreferrer" size="sm" fw={500} truncate="end">
                        {r.title}
                        {r.year ? ` (${r.year})` : ""}
                      </Anchor>
                      <Group gap={6}>
                        <Avatar src={r.requestedBy.avatarUrl} size={18} radius="xl" alt="" imageProps={{ referrerPolicy: "no-referrer" }}>
                          {r.requestedBy.name.slice(0, 1)}
                        </Avatar>
                        <Text size="xs" c="dimmed">
                          {r.requestedBy.name} · {r.mediaType === "tv" ? "Series" : "Movie"}
                        </Text>
                        <Badge size="xs" variant="light" color={r.status === "pending" ? "yellow" : r.status === "declined" || r.status === "failed" ? "red" : "green"}>
                          {r.status}
                        </Badge>
                      </Group>
                      {r.status === "pending" && canInteract(i) && (
                        <Group gap={6} mt={2}>
                          <Button size="compact-xs" color="green" variant="light" aria-label={`Approve ${r.title}`} loading={action.pending === ok} onClick={() => action.run(ok, i.id, () => approve.mutateAsync({ integrationId: i.id, requestId: r.id }))}>
                            Approve
                          </Button>
                          <Button size="compact-xs" color="red" variant="subtle" aria-label={`Decline ${r.title}`} loading={action.pending === no} onClick={() => action.run(no, i.id, () => decline.mutateAsync({ integrationId: i.id, requestId: r.id }))}>
                            Decline
                          </Button>
                        </Group>
                      )}
                    </Stack>
                  </Group>
                );
              })}
            </Stack>
          )
        }
      />
    </CardShell>
  );
}
