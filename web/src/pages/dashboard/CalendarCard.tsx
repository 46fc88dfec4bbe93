import { Anchor, Badge, Box, Group, SegmentedControl, SimpleGrid, Stack, Text } from "@mantine/core";
import { CardShell, Sections, type CardProps } from "./CardShell";
import { rangeOf, type CalendarView } from "./inputs";
import { useLive, useNow, type DataOf } from "./live";

type Event = DataOf<"calendar">["events"][number] & { source: string };
const dayKey = (d: Date) => `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });
const timeFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const monthFmt = new Intl.DateTimeFormat(undefined, { month: "long", year: "numeric" });

/** Calendar across the *arr and iCal feeds: agenda of the next two weeks, or this month's grid. */
export function CalendarCard({ integrations, view, onView }: CardProps & { view: CalendarView; onView: (v: CalendarView) => void }) {
  const today = new Date(useNow(60_000));
  const todayKey = dayKey(today);
  const live = useLive("calendar");
  // The same range the stream reads (inputs.ts).
  const range = rangeOf(view, today);
  const events: Event[] = (live.envelopes ?? [])
    .flatMap((e) => ("data" in e ? e.data.events.map((ev) => ({ ...ev, source: e.integration.name })) : []))
    .sort((a, b) => a.start.getTime() - b.start.getTime());
  const byDay = new Map<string, Event[]>();
  for (const e of events) byDay.set(dayKey(e.start), [...(byDay.get(dayKey(e.start)) ?? []), e]);

  return (
    <CardShell
      title="Calendar"
      testId="card-calendar"
      actions={<SegmentedControl size="xs" value={view} onChange={(v) => onView(v as CalendarView)} data={[{ label: "Agenda", value: "agenda" }, { label: "Month", value: "month" }]} aria-label="Calendar view" />}
    >
      {/* Errors and "updated" per source; the events of all sources are merged below. */}
      <Sections live={live} integrations={integrations} render={(d) => <Text size="xs" c="dimmed">{d.events.length} event{d.events.length === 1 ? "" : "s"}</Text>} />
      {live.envelopes && view === "agenda" && (
        <Stack gap={6} data-testid="agenda">
          {events.length === 0 && <Text size="sm" c="dimmed">Nothing in the next two weeks.</Text>}
          {[...byDay.entries()].map(([k, list]) => (
            <div key={k}>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase">{dayFmt.format(list[0]!.start)}</Text>
              {list.map((e) => (
                <Group key={`${e.source}-${e.id}-${e.start.getTime()}`} gap={6} wrap="nowrap">
                  <Text size="xs" c="dimmed" w={64} style={{ flexShrink: 0, whiteSpace: "nowrap" }}>{e.allDay ? "all day" : timeFmt.format(e.start)}</Text>
                  {e.link ? <Anchor href={e.link} target="_blank" rel="noreferrer" size="sm" truncate="end">{e.title}</Anchor> : <Text size="sm" truncate="end">{e.title}</Text>}
                  {e.subtitle && <Text size="xs" c="dimmed" truncate="end">{e.subtitle}</Text>}
                  {e.type && <Badge size="xs" variant="light">{e.type}</Badge>}
                </Group>
              ))}
            </div>
          ))}
        </Stack>
      )}
      {live.envelopes && view === "month" && (
        <Box data-testid="month">
          <Text size="sm" fw={600} mb={4}>{monthFmt.format(today)}</Text>
          <SimpleGrid cols={7} spacing={2} verticalSpacing={2}>
            {Array.from({ length: 42 }, (_, n) => {
              const d = new Date(range.start.getFullYear(), range.start.getMonth(), range.start.getDate() + n);
              const list = byDay.get(dayKey(d)) ?? [];
              const other = d.getMonth() !== today.getMonth();
              return (
                <Box key={n} p={2} mih={44} style={{ border: "1px solid var(--mantine-color-default-border)", borderRadius: 4, opacity: other ? 0.5 : 1, background: dayKey(d) === todayKey ? "var(--mantine-primary-color-light)" : undefined }} title={list.map((e) => e.title).join("\n")}>
                  <Text size="xs" fw={dayKey(d) === todayKey ? 700 : 400}>{d.getDate()}</Text>
                  {list.slice(0, 2).map((e) => (
                    <Text key={`${e.source}-${e.id}-${e.start.getTime()}`} size="10px" lh={1.2} truncate="end">{e.title}</Text>
                  ))}
                  {list.length > 2 && <Text size="10px" c="dimmed">+{list.length - 2}</Text>}
                </Box>
              );
            })}
          </SimpleGrid>
        </Box>
      )}
    </CardShell>
  );
}
