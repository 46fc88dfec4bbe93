import "@mantine/core/styles.css";
import "@mantine/notifications/styles.css";
import { createTheme, localStorageColorSchemeManager, MantineProvider } from "@mantine/core";
import { Notifications } from "@mantine/notifications";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router";
import { makeTrpcClient, trpcCode, TRPCProvider } from "./api";
import { App } from "./App";

const theme = createTheme({ primaryColor: "blue", defaultRadius: "md", fontFamily: "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif" });
const colorSchemeManager = localStorageColorSchemeManager({ key: "patchbay-color-scheme" });

function Root() {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: {
            staleTime: 5_000,
            refetchOnWindowFocus: false,
            // Auth and permission answers are final; retrying them only delays the message.
            retry: (count, e) => count < 2 && !["UNAUTHORIZED", "FORBIDDEN", "NOT_FOUND", "BAD_REQUEST", "BAD_GATEWAY", "GATEWAY_TIMEOUT"].includes(trpcCode(e) ?? ""),
          },
        },
      }),
  );
  const [trpcClient] = useState(makeTrpcClient);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" colorSchemeManager={colorSchemeManager}>
      <Notifications position="top-right" />
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          <BrowserRouter>
            <App />
          </BrowserRouter>
        </TRPCProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <Root />
  </StrictMode>,
);
