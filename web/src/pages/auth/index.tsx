import { Alert, Box, Button, Center, Code, Group, Paper, PasswordInput, Stack, Text, TextInput, Title } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { trpcCode, useTRPC } from "../../api";
import { Logo, ThemeToggle } from "../../components/chrome";
import { showFieldErrors } from "../../forms/errors";
import { passwordError, PASSWORD_RULE } from "../../password-rule";
import { toast } from "../../ui";

function AuthFrame({ children, title }: { children: React.ReactNode; title: string }) {
  return (
    <Center mih="100vh" p="md">
      <Box w="100%" maw={420}>
        <Group justify="space-between" mb="lg">
          <Logo />
          <ThemeToggle />
        </Group>
        <Paper withBorder shadow="sm" p="lg" radius="md">
          <Title order={2} size="h3" mb="md">
            {title}
          </Title>
          {children}
        </Paper>
      </Box>
    </Center>
  );
}

/** First run: the setup token from the server log proves the caller owns the server. */
export function OnboardingPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const form = useForm({
    initialValues: { setupToken: "", username: "", password: "", confirm: "" },
    validate: {
      setupToken: (v) => (v.trim() ? null : "Paste the setup token from the server log"),
      username: (v) => (/^[\p{L}\p{N}._@-]{1,64}$/u.test(v.trim()) ? null : "Letters, digits and . _ @ - only"),
      password: (v, values) => passwordError(v, values.username),
      confirm: (v, values) => (v === values.password ? null : "The passwords differ"),
    },
  });
  const create = useMutation(
    trpc.onboarding.createAdmin.mutationOptions({
      onSuccess: async () => {
        toast.ok(`Sign in as ${form.values.username}.`, "Administrator created");
        sessionStorage.setItem("patchbay-last-user", form.values.username.trim());
        await qc.invalidateQueries({ queryKey: trpc.onboarding.status.queryKey() });
      },
      onError: (e) => showFieldErrors(form, e),
    }),
  );
  return (
    <AuthFrame title="Welcome to Patchbay">
      <form onSubmit={form.onSubmit((v) => create.mutate({ setupToken: v.setupToken.trim(), username: v.username.trim(), password: v.password }))}>
        <Stack>
          <Text size="sm" c="dimmed">
            This instance has no users yet. The server printed a one-time <b>setup token</b> in its log (look for{" "}
            <Code>setup token</Code>). Enter it to create the first administrator.
          </Text>
          <TextInput label="Setup token" autoComplete="off" required {...form.getInputProps("setupToken")} />
          <TextInput label="Administrator user name" autoComplete="username" required {...form.getInputProps("username")} />
          <PasswordInput label="Password" description={PASSWORD_RULE} autoComplete="new-password" required {...form.getInputProps("password")} />
          <PasswordInput label="Repeat the password" autoComplete="new-password" required {...form.getInputProps("confirm")} />
          <Button type="submit" loading={create.isPending}>
            Create administrator
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}

export function LoginPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const form = useForm({ initialValues: { username: sessionStorage.getItem("patchbay-last-user") ?? "", password: "" } });
  const login = useMutation(
    trpc.auth.login.mutationOptions({
      onSuccess: async () => {
        setError(null);
        await qc.invalidateQueries();
      },
      onError: (e) => {
        if (trpcCode(e) === "UNAUTHORIZED") form.setFieldError("password", "Wrong user name or password");
        else setError(e.message);
      },
    }),
  );
  return (
    <AuthFrame title="Sign in">
      <form onSubmit={form.onSubmit((v) => login.mutate({ username: v.username.trim(), password: v.password }))}>
        <Stack>
          {error && <Alert color="red">{error}</Alert>}
          <TextInput label="User name" autoComplete="username" required data-autofocus {...form.getInputProps("username")} />
          <PasswordInput label="Password" autoComplete="current-password" required {...form.getInputProps("password")} />
          <Button type="submit" loading={login.isPending}>
            Sign in
          </Button>
        </Stack>
      </form>
    </AuthFrame>
  );
}
