import { createTRPCClient, httpBatchLink, TRPCClientError, type HTTPHeaders } from "@trpc/client";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "./api/root.js";

/**
 * The package entry for TypeScript users: `import { createPatchbayClient } from "patchbay"`.
 * Only `@trpc/client` and `superjson` are loaded at run time; `AppRouter` is a type.
 */
export type { AppRouter };
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export { TRPCClientError };

export interface PatchbayClientOptions {
  /** An API key (create one in the web UI or with `auth.createApiKey`); sent as the `ApiKey` header. */
  apiKey?: string;
  /** Extra headers for every request. */
  headers?: HTTPHeaders;
  /** A fetch implementation (default: the global fetch). */
  fetch?: typeof fetch;
}

/**
 * A typed tRPC client for a Patchbay server: `url` is the server's base URL (`http://localhost:7575`) or its
 * tRPC endpoint (`…/api/trpc`). Batching on, superjson (Dates stay Dates), as the server expects.
 *
 *     const api = createPatchbayClient("http://localhost:7575", { apiKey: process.env.PATCHBAY_API_KEY });
 *     const integrations = await api.integration.all.query();
 */
export function createPatchbayClient(url: string, options: PatchbayClientOptions = {}) {
  const base = url.replace(/\/+$/, "");
  const endpoint = base.endsWith("/api/trpc") ? base : `${base}/api/trpc`;
  return createTRPCClient<AppRouter>({
    links: [
      httpBatchLink({
        url: endpoint,
        transformer: superjson,
        maxItems: 20, // the server refuses batches above PATCHBAY_MAX_BATCH_SIZE (default 50)
        headers: () => ({ ...(options.apiKey ? { ApiKey: options.apiKey } : {}), ...options.headers }),
        ...(options.fetch ? { fetch: options.fetch } : {}),
      }),
    ],
  });
}

export type PatchbayClient = ReturnType<typeof createPatchbayClient>;
