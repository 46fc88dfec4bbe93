import { Anchor, Center, Loader, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { lazy, Suspense, type ComponentType, type LazyExoticComponent } from "react";
import { Link, Navigate, Route, Routes } from "react-router";
import { useTRPC } from "./api";
import { Shell } from "./components/Shell";
import { SessionProvider } from "./hooks/session";
import { LoginPage, OnboardingPage } from "./pages/auth";

/** Where "/" leads after sign-in. scripts/build-web.mjs holds this route to the JavaScript budget. */
export const LANDING = "/dashboard";

/**
 * Every page after sign-in, each its own chunk loaded on first visit (one folder per page under pages/).
 * scripts/build-web.mjs reads this table (`path: "…", page: lazy(() => import("…"))`, one per line) to print
 * what each route loads; keep that form when adding a route.
 */
const ROUTES: { path: string; page: LazyExoticComponent<ComponentType> }[] = [
  { path: "/dashboard", page: lazy(() => import("./pages/dashboard")) },
  { path: "/integrations", page: lazy(() => import("./pages/integrations")) },
  { path: "/integrations/new", page: lazy(() => import("./pages/add-integration/KindPicker")) },
  { path: "/integrations/new/:kind", page: lazy(() => import("./pages/add-integration")) },
  { path: "/integrations/:id", page: lazy(() => import("./pages/integration")) },
  { path: "/integrations/:id/:tab", page: lazy(() => import("./pages/integration")) },
  { path: "/search", page: lazy(() => import("./pages/search")) },
  { path: "/account/api-keys", page: lazy(() => import("./pages/account")) },
  { path: "/admin/users", page: lazy(() => import("./pages/admin/users")) },
  { path: "/admin/groups", page: lazy(() => import("./pages/admin/groups")) },
  { path: "/admin/apps", page: lazy(() => import("./pages/admin/apps")) },
  { path: "/admin/search-engines", page: lazy(() => import("./pages/admin/search-engines")) },
  { path: "/admin/certificates", page: lazy(() => import("./pages/admin/certificates")) },
  { path: "/admin/notifications", page: lazy(() => import("./pages/admin/Notifications")) },
  { path: "/admin/audit", page: lazy(() => import("./pages/admin/AuditLog")) },
];

function Loading() {
  return (
    <Center h="100vh">
      <Loader aria-label="Loading" />
    </Center>
  );
}

export function App() {
  const trpc = useTRPC();
  const status = useQuery(trpc.onboarding.status.queryOptions());
  const session = useQuery(trpc.auth.session.queryOptions());
  if (status.isPending || session.isPending) return <Loading />;
  if (status.data?.needsSetup) return <OnboardingPage />;
  if (!session.data) return <LoginPage />;
  return (
    <SessionProvider value={session.data}>
      <Shell>
        <Suspense
          fallback={
            <Center p="xl">
              <Loader aria-label="Loading the page" />
            </Center>
          }
        >
          <Routes>
            <Route path="/" element={<Navigate to={LANDING} replace />} />
            {ROUTES.map(({ path, page: Page }) => (
              <Route key={path} path={path} element={<Page />} />
            ))}
            <Route path="*" element={<Text>Page not found. <Anchor component={Link} to="/">Back to the dashboard</Anchor></Text>} />
          </Routes>
        </Suspense>
      </Shell>
    </SessionProvider>
  );
}
