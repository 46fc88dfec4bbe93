import { CAPABILITIES } from "./capability-table.js";
import type { CapabilityName } from "../engine/capabilities.js";
import { watchCapability, type Envelope } from "./capabilities.js";
import type { Caller, Deps } from "./deps.js";
import { DomainError } from "./errors.js";

export interface CardWatch {
  capability: CapabilityName;
  integrationIds?: string[];
  params: Record<string, unknown>;
}

export type CardEmission = { capability: CapabilityName; envelopes: Envelope[] } | { capability: CapabilityName; error: { code: string; message: string } };

/**
 * Every card of a dashboard in ONE subscription: the cards' `watch` streams (src/services/capabilities.ts, the
 * same shared pollers and access re-checks) merged into one SSE stream. A browser opens at most 6 HTTP/1.1
 * connections per origin; one stream per card would starve every other request of the page.
 * A card whose read fails as a whole (an id no longer usable → NOT_FOUND) emits its error and ends alone.
 */
export async function* watchCards(deps: Deps, caller: Caller, cards: CardWatch[], intervalMs: number, signal?: AbortSignal): AsyncGenerator<CardEmission> {
  const iterators = cards.map((c) => {
    const read = CAPABILITIES[c.capability].read;
    return { card: c, it: watchCapability(deps, caller, { capability: c.capability, read: read.name, data: read.data }, c.integrationIds, c.params, intervalMs, signal) };
  });
  type Step = { i: number; r: IteratorResult<Envelope[]> } | { i: number; error: unknown };
  const pending = new Map<number, Promise<Step>>();
  const arm = (i: number) =>
    pending.set(
      i,
      iterators[i]!.it.next().then(
        (r) => ({ i, r }),
        (error: unknown) => ({ i, error }),
      ),
    );
  iterators.forEach((_, i) => arm(i));
  const aborted = new Promise<undefined>((resolve) => {
    if (signal?.aborted) resolve(undefined);
    signal?.addEventListener("abort", () => resolve(undefined), { once: true });
  });
  try {
    while (pending.size && !signal?.aborted) {
      const step = await Promise.race([...pending.values(), aborted]);
      if (!step) return;
      pending.delete(step.i);
      const capability = iterators[step.i]!.card.capability;
      if ("error" in step) {
        const e = step.error;
        // Domain errors (NOT_FOUND for an id the caller cannot use) keep their words; anything else is logged, not shown.
        if (e instanceof DomainError) yield { capability, error: { code: e.code, message: e.message } };
        else {
          deps.log.error({ err: step.error, capability }, "dashboard card watch failed");
          yield { capability, error: { code: "UNKNOWN", message: "Patchbay failed to read this card; see the server log." } };
        }
        continue;
      }
      if (step.r.done) continue;
      yield { capability, envelopes: step.r.value };
      arm(step.i);
    }
  } finally {
    await Promise.all(iterators.map((x) => x.it.return(undefined).catch(() => undefined)));
  }
}
