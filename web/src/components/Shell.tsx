import { AppShell, Burger, Group, Menu, NavLink, ScrollArea, Text, UnstyledButton, useMantineTheme } from "@mantine/core";
import { useDisclosure, useMediaQuery } from "@mantine/hooks";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { useTRPC } from "../api";
import { useCan, useSession } from "../hooks/session";
import { toast } from "../ui";
import { Logo, ThemeToggle } from "./chrome";

/** The signed-in frame: header (home, theme, account menu), the navigation (a drawer at phone width), the page. */
export function Shell({ children }: { children: ReactNode }) {
  const [opened, { toggle, close }] = useDisclosure();
  // Below the "sm" breakpoint (48em) the navigation is a drawer slid off screen: while closed it must not take
  // the keyboard focus (Tab would walk through invisible links) nor be read out.
  const theme = useMantineTheme();
  const wide = useMediaQuery(`(min-width: ${theme.breakpoints.sm})`, undefined, { getInitialValueInEffect: false });
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
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" aria-expanded={opened} />
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
      <AppShell.Navbar p="xs" aria-label="Main navigation" inert={!wide && !opened}>
        <ScrollArea>
          {link("/dashboard", "Dashboard")}
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
              {can("admin") && link("/admin/notifications", "Notifications")}
              {can("admin") && link("/admin/audit", "Audit log")}
            </>
          )}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
