import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { createTRPCContext } from "@trpc/tanstack-react-query";
import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import superjson from "superjson";
import type { AppRouter } from "../../src/api/root";

/** The UI talks to the server only through the public tRPC API (the same one scripts use). */
export const { TRPCProvider, useTRPC, useTRPCClient } = createTRPCContext<AppRouter>();

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

/** The message of any thrown value, for a toast or an alert. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One refused field, as the server's error formatter sends it (`data.issues`, see docs/api.md). */
export type FieldIssue = { path: string; message: string };

/**
 * The field issues of a failed call: `{ "secrets[0].value": "must not be empty" }`, read from the structured
 * error data (never from the message text). Empty for errors that concern no field.
 */
export function fieldIssues(e: unknown): Record<string, string> {
  if (!(e instanceof TRPCClientError)) return {};
  const issues = (e.data as { issues?: FieldIssue[] } | undefined)?.issues ?? [];
  const out: Record<string, string> = {};
  for (const i of issues) out[i.path] = out[i.path] ? `${out[i.path]}; ${i.message}` : i.message;
  return out;
}
