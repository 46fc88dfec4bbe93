import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError, type HTTPHeaders } from "@trpc/client";
import superjson from "superjson";
import type { AppRouter, RouterInputs, RouterOutputs } from "./api/root.js";

/**
 * The package entry for TypeScript users: `import { createPatchbayClient } from "patchbay"`.
 * Only `@trpc/client` and `superjson` are loaded at run time; `AppRouter` is a type.
 */
export type { AppRouter, RouterInputs, RouterOutputs };
export { TRPCClientError };

export interface PatchbayClientOptions {
  /** An API key (create one in the web UI or with `auth.createApiKey`); sent as the `ApiKey` header. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: HTTPHeaders;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
  /**
   * The EventSource class for `<router>.watch` subscriptions (SSE; default: `globalThis.EventSource`). A browser's
   * sends the session cookie; on Node pass the `eventsource` package's class, which then carries the API key
   * (and `headers`) through its `fetch` option.
   */
  EventSource?: unknown;
}

/**
 * A typed tRPC client for a Patchbay server: `url` is the server's base URL (`http://localhost:7575`) or its
 * tRPC endpoint (`…/api/trpc`). Batching on, superjson (Dates stay Dates), as the server expects; `watch`
 * subscriptions over SSE when an EventSource is available (see `options.EventSource`).
 *
 *     const api = createPatchbayClient("http://localhost:7575", { apiKey: process.env.PATCHBAY_API_KEY });
 *     const integrations = await api.integration.all.query();
 */
export function createPatchbayClient(url: string, options: PatchbayClientOptions = {}) {
  const base = url.replace(/\/+$/, "");
  const endpoint = base.endsWith("/api/trpc") ? base : `${base}/api/trpc`;
  const headers = () => ({ ...(options.apiKey ? { ApiKey: options.apiKey } : {}), ...options.headers }) as Record<string, string>;
  const batch = httpBatchLink({
    url: endpoint,
    transformer: superjson,
    maxItems: 20, // the server refuses batches above PATCHBAY_MAX_BATCH_SIZE (default 50)
    headers,
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const EventSourceClass = (options.EventSource ?? (globalThis as { EventSource?: unknown }).EventSource) as Parameters<typeof httpSubscriptionLink>[0]["EventSource"];
  if (!EventSourceClass) return createTRPCClient<AppRouter>({ links: [batch] });
  const doFetch = options.fetch ?? fetch;
  return createTRPCClient<AppRouter>({
    links: [
      // Subscriptions (`watch`) go over SSE; everything else is batched.
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: endpoint,
          transformer: superjson,
          EventSource: EventSourceClass,
          ...(options.EventSource
            ? { eventSourceOptions: () => ({ fetch: (input: string | URL | Request, init?: RequestInit) => doFetch(input, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers() } }) }) }
            : {}),
        }),
        false: batch,
      }),
    ],
  });
}

export type PatchbayClient = ReturnType<typeof createPatchbayClient>;
