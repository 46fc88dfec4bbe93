import { skipToken, useMutation, useQueryClient } from "@tanstack/react-query";
import { useSubscription } from "@trpc/tanstack-react-query";
import { createContext, createElement, useCallback, useContext, useEffect, useState, type ReactNode } from "react";
import { errorText, useTRPC, type Inputs, type Outputs } from "../../api";
import { toast } from "../../ui";

/** Each capability router and its read (docs/capabilities.md §2). */
export const READS = {
  downloads: "queue",
  dnsHole: "summary",
  mediaRequests: "list",
  mediaServer: "sessions",
  calendar: "events",
  indexers: "list",
  smartHome: "states",
  monitoring: "status",
  transcoding: "status",
} as const;
export type Capability = keyof typeof READS;

type Ref = { id: string; name: string; kind: string };
/** One integration's part of a read (docs/capabilities.md §1): its data, or its own error. */
export type Envelope<C extends Capability> = { integration: Ref; updatedAt: Date; data: DataOf<C> } | { integration: Ref; error: { code: string; message: string } };
export type DataOf<C extends Capability> = Extract<Outputs[C][(typeof READS)[C]][number], { data: unknown }>["data"];
type WatchInput<C extends Capability> = Inputs[C]["watch"];

/** How often each card emits; the server shares one poller per integration among all watchers. */
export const WATCH_INTERVAL_MS = 3_000;

export interface Live<C extends Capability> {
  /** What the card reads (its integrations and the read's own fields). */
  input: ReadInput<C> | undefined;
  /** Latest envelope per integration (the stream's, or a fresher one read right after an action). */
  envelopes: Envelope<C>[] | undefined;
  /** The card's read failed as a whole, or the stream did (one integration's failure is an error envelope). */
  error: string | undefined;
  /** Reads one integration at once (after an action) so the card shows the service's new state before the next emission. */
  refresh(integrationId: string): Promise<void>;
}

export type ReadInput<C extends Capability> = Omit<WatchInput<C>, "intervalMs">;
export type CardInputs = { [C in Capability]?: ReadInput<C> };
type State = { envelopes?: unknown[]; error?: string };

const LiveContext = createContext<{ inputs: CardInputs; states: Partial<Record<Capability, State>>; patch(c: Capability, id: string, env: unknown): void; streamError?: string }>({
  inputs: {},
  states: {},
  patch: () => undefined,
});

/**
 * Every card's live data through ONE subscription, `dashboard.watch` over SSE (a browser allows only 6
 * connections per origin; a stream per card would block the page's other requests). Nothing is polled.
 */
export function LiveProvider({ inputs, children }: { inputs: CardInputs; children: ReactNode }) {
  const trpc = useTRPC();
  const [states, setStates] = useState<Partial<Record<Capability, State>>>({});
  const [streamError, setStreamError] = useState<string>();
  const cards = Object.entries(inputs).map(([capability, input]) => ({ capability, ...(input as object) }));
  const key = JSON.stringify(cards);
  useEffect(() => {
    // New inputs: what was shown belongs to the old ones (another range, other integrations).
    setStates({});
    setStreamError(undefined);
  }, [key]);
  useSubscription(
    trpc.dashboard.watch.subscriptionOptions(cards.length ? ({ cards, intervalMs: WATCH_INTERVAL_MS } as never) : skipToken, {
      onData: (e: { capability: Capability; envelopes?: unknown[]; error?: { message: string } }) => {
        setStreamError(undefined);
        setStates((prev) => ({ ...prev, [e.capability]: e.error ? { envelopes: prev[e.capability]?.envelopes, error: e.error.message } : { envelopes: e.envelopes } }));
      },
      onError: (e: unknown) => setStreamError(errorText(e)),
    }),
  );
  const patch = useCallback((c: Capability, id: string, env: unknown) => {
    setStates((prev) => ({ ...prev, [c]: { ...prev[c], envelopes: prev[c]?.envelopes?.map((e) => ((e as Envelope<Capability>).integration.id === id ? env : e)) } }));
  }, []);
  return createElement(LiveContext.Provider, { value: { inputs, states, patch, streamError } }, children);
}

/** A card's share of the dashboard stream. */
export function useLive<C extends Capability>(capability: C): Live<C> {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const { inputs, states, patch, streamError } = useContext(LiveContext);
  const input = inputs[capability] as ReadInput<C> | undefined;
  const state = states[capability];
  // The proxy is typed per router; here one function serves every capability.
  const router = (trpc as unknown as Record<string, Record<string, { queryOptions: Function }>>)[capability]!;
  const refresh = useCallback(
    async (integrationId: string) => {
      if (!input) return;
      const one = { ...(input as object), integrationIds: [integrationId] };
      const fresh = (await qc.fetchQuery({ ...(router[READS[capability]]!.queryOptions(one) as object), staleTime: 0 } as never)) as unknown[];
      if (fresh[0]) patch(capability, integrationId, fresh[0]);
    },
    [input, capability, qc, router, patch],
  );
  return { input, envelopes: state?.envelopes as Envelope<C>[] | undefined, error: state?.error ?? streamError, refresh };
}

/** The current time, re-rendered every `everyMs` ("updated 3 s ago", countdowns). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

type ActionResult = { ok: true } | { error: { code: string; message: string } };

/**
 * An action on one integration: the caller's button shows progress while it runs; then the service's new
 * state is read (`refresh`) or its error shown. Returns `run(label, call)`, and which label is running.
 */
export function useAction(refresh: (integrationId: string) => Promise<void>) {
  const m = useMutation({
    mutationFn: async ({ integrationId, call }: { label: string; integrationId: string; call: () => Promise<ActionResult> }) => {
      const r = await call();
      if ("error" in r) throw new Error(r.error.message);
      await refresh(integrationId).catch(() => undefined);
      return r;
    },
    onSuccess: (_r, v) => toast.ok(v.label),
    onError: (e) => toast.fail(errorText(e), "The service refused"),
  });
  return {
    pending: m.isPending ? m.variables?.label : undefined,
    run: (label: string, integrationId: string, call: () => Promise<ActionResult>) => m.mutate({ label, integrationId, call }),
  };
}

export function ago(now: number, at: Date): string {
  const s = Math.max(0, Math.round((now - at.getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ago` : `${Math.floor(m / 60)} h ago`;
}

export function bytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let i = 0;
  while (n >= 1000 && i < units.length - 1) {
    n /= 1000;
    i++;
  }
  return `${n >= 100 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h >= 24) return `${Math.floor(h / 24)} d ${h % 24} h`;
  return h ? `${h} h ${m} min` : `${m}:${String(s % 60).padStart(2, "0")} min`;
}
