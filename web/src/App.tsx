import { ActionIcon, Anchor, AppShell, Burger, Center, Group, Loader, Menu, NavLink, ScrollArea, Text, Title, Tooltip, UnstyledButton, useComputedColorScheme, useMantineColorScheme } from "@mantine/core";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import { Link, Navigate, Route, Routes, useLocation, useNavigate } from "react-router";
import { useTRPC, type GlobalPermission, type Session } from "./api";
import { AdminApps, AdminCertificates, AdminGroups, AdminSearchEngines, AdminUsers, ApiKeys } from "./pages/Admin";
import { LoginPage, OnboardingPage } from "./pages/Auth";
import { AddIntegration, KindPicker } from "./pages/IntegrationForm";
import { IntegrationPage } from "./pages/IntegrationPage";
import { IntegrationsPage } from "./pages/Integrations";
import { SearchPage } from "./pages/Search";
import { toast } from "./ui";
import { AuditLog } from "./pages/admin/AuditLog";

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error("no session");
  return s;
}

export function useCan(): (p: GlobalPermission) => boolean {
  const s = useSession();
  return (p) => s.user.permissions.includes(p);
}

export function App() {
  const trpc = useTRPC();
  const status = useQuery(trpc.onboarding.status.queryOptions());
  const session = useQuery(trpc.auth.session.queryOptions());
  if (status.isPending || session.isPending) {
    return (
      <Center h="100vh">
        <Loader aria-label="Loading" />
      </Center>
    );
  }
  if (status.data?.needsSetup) return <OnboardingPage />;
  if (!session.data) return <LoginPage />;
  return (
    <SessionContext.Provider value={session.data}>
      <Shell />
    </SessionContext.Provider>
  );
}

export function ThemeToggle() {
  const { setColorScheme } = useMantineColorScheme();
  const computed = useComputedColorScheme("light");
  const next = computed === "dark" ? "light" : "dark";
  return (
    <Tooltip label={`Switch to ${next} theme`}>
      <ActionIcon variant="default" size="lg" aria-label={`Switch to ${next} theme`} onClick={() => setColorScheme(next)}>
        <span aria-hidden style={{ fontSize: 16 }}>{computed === "dark" ? "☀" : "☾"}</span>
      </ActionIcon>
    </Tooltip>
  );
}

export function Logo() {
  return (
    <Group gap={8} wrap="nowrap">
      <img src="/favicon.svg" alt="" width={26} height={26} />
      <Title order={3} fw={700}>
        Patchbay
      </Title>
    </Group>
  );
}

function Shell() {
  const [opened, { toggle, close }] = useDisclosure();
  const session = useSession();
  const can = useCan();
  const location = useLocation();
  const navigate = useNavigate();
  const trpc = useTRPC();
  const qc = useQueryClient();
  const logout = useMutation(
    trpc.auth.logout.mutationOptions({
      onSuccess: async () => {
        // Forget everything the previous user could see; the session answer is now "nobody".
        const keep = new Set([JSON.stringify(trpc.auth.session.queryKey()), JSON.stringify(trpc.onboarding.status.queryKey())]);
        await qc.cancelQueries();
        qc.removeQueries({ predicate: (q) => !keep.has(JSON.stringify(q.queryKey)) });
        qc.setQueryData(trpc.auth.session.queryKey(), null);
        await navigate("/");
        toast.ok("You are signed out.");
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const link = (to: string, label: string, exact = false) => (
    <NavLink
      key={to}
      component={Link}
      to={to}
      label={label}
      active={exact ? location.pathname === to : location.pathname.startsWith(to)}
      onClick={close}
    />
  );
  const admin = can("user-manage") || can("admin") || can("app-create") || can("search-engine-create");
  return (
    <AppShell header={{ height: 56 }} navbar={{ width: 230, breakpoint: "sm", collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <UnstyledButton component={Link} to="/" aria-label="Patchbay home">
              <Logo />
            </UnstyledButton>
          </Group>
          <Group gap="xs" wrap="nowrap">
            <ThemeToggle />
            <Menu position="bottom-end">
              <Menu.Target>
                <UnstyledButton aria-label="Account menu" data-testid="account-menu" px="xs">
                  <Text fw={500} size="sm">
                    {session.user.username} ▾
                  </Text>
                </UnstyledButton>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item component={Link} to="/account/api-keys">
                  API keys
                </Menu.Item>
                <Menu.Item color="red" onClick={() => logout.mutate()}>
                  Sign out
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        <ScrollArea>
          {link("/integrations", "Integrations")}
          {link("/search", "Search")}
          {link("/account/api-keys", "API keys")}
          {admin && (
            <>
              <Text size="xs" c="dimmed" tt="uppercase" fw={700} mt="md" mb={4} px="sm">
                Administration
              </Text>
              {can("user-manage") && link("/admin/users", "Users")}
              {can("user-manage") && link("/admin/groups", "Groups")}
              {link("/admin/apps", "Apps")}
              {link("/admin/search-engines", "Search engines")}
              {can("admin") && link("/admin/certificates", "Certificates")}
              {can("admin") && link("/admin/audit", "Audit log")}
            </>
          )}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        <Routes>
          <Route path="/" element={<Navigate to="/integrations" replace />} />
          <Route path="/integrations" element={<IntegrationsPage />} />
          <Route path="/integrations/new" element={<KindPicker />} />
          <Route path="/integrations/new/:kind" element={<AddIntegration />} />
          <Route path="/integrations/:id" element={<IntegrationPage />} />
          <Route path="/integrations/:id/:tab" element={<IntegrationPage />} />
          <Route path="/search" element={<SearchPage />} />
          <Route path="/account/api-keys" element={<ApiKeys />} />
          <Route path="/admin/users" element={<AdminUsers />} />
          <Route path="/admin/groups" element={<AdminGroups />} />
          <Route path="/admin/apps" element={<AdminApps />} />
          <Route path="/admin/search-engines" element={<AdminSearchEngines />} />
          <Route path="/admin/certificates" element={<AdminCertificates />} />
          <Route path="/admin/audit" element={<AuditLog />} />
          <Route path="*" element={<Text>Page not found. <Anchor component={Link} to="/">Back to the integrations</Anchor></Text>} />
        </Routes>
      </AppShell.Main>
    </AppShell>
  );
}
