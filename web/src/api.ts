import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "../../src/api/root";

/** The UI talks to the server only through the public tRPC API (the same one scripts use). */
export const { TRPCProvider, useTRPC } = createTRPCContext<AppRouter>();

export function makeTrpcClient() {
  return createTRPCClient<AppRouter>({
    // maxItems: the server refuses batches above PATCHBAY_MAX_BATCH_SIZE (default 50).
    links: [
      // `<router>.watch` subscriptions (the dashboard's live cards) over SSE; the browser's EventSource sends
      // the session cookie. Everything else is batched.
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({ url: "/api/trpc", transformer: superjson }),
        false: httpBatchLink({ url: "/api/trpc", transformer: superjson, maxItems: 20 }),
      }),
    ],
  });
}

export type Outputs = inferRouterOutputs<AppRouter>;
export type Inputs = inferRouterInputs<AppRouter>;
export type KindInfo = Outputs["integration"]["getKinds"][number];
export type IntegrationItem = Outputs["integration"]["all"][number];
export type SecretKind = KindInfo["secretOptions"][number][number];
export type Session = NonNullable<Outputs["auth"]["session"]>;
export type GlobalPermission = Session["user"]["permissions"][number];
type WriteResult = Outputs["integration"]["create"];
export type TestError = Extract<WriteResult, { error: unknown }>["error"];
export type Certificate = NonNullable<TestError["certificate"]>;

/** The tRPC error code ("UNAUTHORIZED", "BAD_REQUEST"…) of a failed call, if it is one. */
export function trpcCode(e: unknown): string | undefined {
  return e instanceof TRPCClientError ? (e.data as { code?: string } | undefined)?.code : undefined;
}

export function errorText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * BAD_REQUEST messages name their field ("url: is not an absolute URL…; secrets[1].value: …").
 * Splits them into `{field: message}` so each can be shown next to its input.
 */
export function fieldErrors(e: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (trpcCode(e) !== "BAD_REQUEST" && trpcCode(e) !== "CONFLICT" && trpcCode(e) !== "FORBIDDEN") return out;
  for (const part of errorText(e).split("; ")) {
    const m = /^([A-Za-z][\w.[\]]*): (.+)$/s.exec(part);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}
