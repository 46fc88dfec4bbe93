import { Button, Checkbox, Group, Paper, Select, Stack, TextInput } from "@mantine/core";
import { useForm } from "@mantine/form";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import { useNavigate } from "react-router";
import { useTRPC, useTRPCClient, type KindInfo, type SecretKind } from "../../api";
import { useCan } from "../../hooks/session";
import { ERROR_TITLES, PUBLIC_SECRETS, SECRET_LABELS, toast } from "../../ui";
import { showFieldErrors } from "../errors";
import { SecretFields } from "./SecretFields";
import { applyTestError, TestOutcome, Testing } from "./TestOutcome";
import { emptySecrets, formField, type Detail, type Form, type Outcome, type SentSecret, type Values } from "./values";

const URL_RULE = /^https?:\/\/[^/\s]+/i;

function initialValues(kind: KindInfo, detail: Detail | undefined): Values {
  if (!detail) {
    return { name: kind.name, url: `http://localhost:${kind.defaultPort}`, option: "0", secrets: emptySecrets(), app: "", newAppName: kind.name, newAppHref: "", createSearchEngine: kind.supportsSearch };
  }
  const stored = new Set(detail.secrets.map((s) => s.kind));
  const option = Math.max(
    0,
    kind.secretOptions.findIndex((o) => o.length === stored.size && o.every((k) => stored.has(k))),
  );
  const secrets = emptySecrets();
  for (const s of detail.secrets) if (s.value !== null) secrets[s.kind] = s.value;
  return { name: detail.name, url: detail.url, option: String(option), secrets, app: detail.app?.id ?? "", newAppName: "", newAppHref: "", createSearchEngine: false };
}

function requireSecrets(form: Form, option: readonly SecretKind[], present: (k: SecretKind) => boolean): boolean {
  let ok = true;
  for (const k of option) {
    if (!present(k)) {
      form.setFieldError(`secrets.${k}`, `Enter the ${SECRET_LABELS[k].toLowerCase()}`);
      ok = false;
    }
  }
  return ok;
}

/**
 * The one integration form: adding (no `detail`) and editing (`detail`: stored secrets show as "unchanged").
 * Name, URL, the chosen option's secrets, the app (and, when adding, a new app and a search engine);
 * Test connection and Save both run the server's connection test; failures land at the field they concern.
 */
export function IntegrationForm({ kind, detail, actions }: { kind: KindInfo; detail?: Detail; actions?: ReactNode }) {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const can = useCan();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const apps = useQuery(trpc.app.all.queryOptions());
  const [outcome, setOutcome] = useState<Outcome>(null);
  const stored = new Set(detail?.secrets.map((s) => s.kind));
  const form = useForm<Values>({
    initialValues: initialValues(kind, detail),
    validate: {
      name: (v) => (v.trim() ? null : "Give it a name"),
      url: (v) => (URL_RULE.test(v.trim()) ? null : "Enter an http:// or https:// URL, like http://192.168.1.10:8989"),
    },
  });
  const option = kind.secretOptions[Number(form.values.option)] ?? [];
  /** A stored (non-public) secret left empty is kept: sent as null. */
  const keeps = (k: SecretKind) => stored.has(k) && !PUBLIC_SECRETS.has(k) && form.values.secrets[k] === "";
  /** Typed → sent (replaces); empty stored secret → kept (null); a cleared public value or another option's secret → removed. */
  const secrets = (): SentSecret[] =>
    option.flatMap<SentSecret>((k) => (form.values.secrets[k] !== "" ? [{ kind: k, value: form.values.secrets[k] }] : keeps(k) ? [{ kind: k, value: null }] : []));
  const check = () => !form.validate().hasErrors && requireSecrets(form, option, (k) => form.values.secrets[k] !== "" || keeps(k));
  const onError = (e: { message: string }, sent: readonly SentSecret[]) => showFieldErrors(form, e, (path) => formField(path, sent, option));
  const showFailure = (error: Parameters<typeof applyTestError>[2], title: string) => {
    setOutcome({ ok: false, error });
    applyTestError(form, kind, error);
    toast.fail(error.message, title);
  };

  const test = useMutation({
    mutationFn: (sent: SentSecret[]) =>
      detail
        ? client.integration.testConnection.mutate({ id: detail.id, url: form.values.url.trim(), secrets: sent })
        : client.integration.testConnection.mutate({ kind: kind.kind, url: form.values.url.trim(), secrets: sent.map((s) => ({ kind: s.kind, value: s.value ?? "" })) }),
    onSuccess: (r) => {
      form.clearErrors();
      if (r.ok) {
        setOutcome({ ok: true, version: r.version });
        toast.ok(r.version ? `Version ${r.version}` : "The service accepted the credentials.", "Connection works");
      } else showFailure(r.error, ERROR_TITLES[r.error.code]);
    },
    onError: (e, sent) => onError(e, sent),
  });
  const save = useMutation({
    mutationFn: (sent: SentSecret[]) => {
      const v = form.values;
      if (detail) return client.integration.update.mutate({ id: detail.id, name: v.name.trim(), url: v.url.trim(), secrets: sent, appId: v.app || null });
      const app = v.app === "new" ? { name: v.newAppName.trim() || kind.name, iconUrl: kind.iconUrl, href: v.newAppHref.trim() || null } : v.app ? { id: v.app } : null;
      return client.integration.create.mutate({
        name: v.name.trim(),
        kind: kind.kind,
        url: v.url.trim(),
        secrets: sent.map((s) => ({ kind: s.kind, value: s.value ?? "" })),
        app,
        attemptSearchEngineCreation: kind.supportsSearch ? v.createSearchEngine : undefined,
      });
    },
    onSuccess: async (r) => {
      form.clearErrors();
      if ("error" in r) return showFailure(r.error, `Not saved: ${ERROR_TITLES[r.error.code]}`);
      await qc.invalidateQueries({ queryKey: trpc.integration.pathKey() });
      await qc.invalidateQueries({ queryKey: trpc.searchEngine.pathKey() });
      toast.ok(`“${form.values.name.trim()}” was tested and saved.`, detail ? "Changes saved" : "Integration saved");
      if (!detail) await navigate("/integrations");
    },
    onError: (e, sent) => onError(e, sent),
  });
  const runTest = () => {
    setOutcome(null);
    if (check()) test.mutate(secrets());
  };
  const busy = test.isPending || save.isPending;
  const appChoices = [
    { value: "", label: "No app" },
    ...(!detail && can("app-create") ? [{ value: "new", label: "New app…" }] : []),
    ...(apps.data ?? []).map((a) => ({ value: a.id, label: a.name })),
  ];

  return (
    <Paper withBorder p="md" radius="md" maw={640}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setOutcome(null);
          if (check()) save.mutate(secrets());
        }}
      >
        <Stack>
          <TextInput label="Name" required {...form.getInputProps("name")} />
          <TextInput label="URL" description={`Where Patchbay reaches ${kind.name}; its default port is ${kind.defaultPort}.`} required {...form.getInputProps("url")} />
          <SecretFields kind={kind} form={form} stored={detail ? stored : undefined} />
          <Select label="App" description="Optional: a link on a dashboard for this service." data={appChoices} allowDeselect={false} {...form.getInputProps("app")} />
          {form.values.app === "new" && (
            <Group grow align="flex-start">
              <TextInput label="App name" {...form.getInputProps("newAppName")} />
              <TextInput label="App link" placeholder="https://sonarr.example.lan" {...form.getInputProps("newAppHref")} />
            </Group>
          )}
          {!detail && kind.supportsSearch && <Checkbox label="Also create a search engine for it" {...form.getInputProps("createSearchEngine", { type: "checkbox" })} />}
          <Testing active={busy} />
          <TestOutcome outcome={outcome} onRetest={runTest} />
          <Group justify={actions ? "space-between" : "flex-end"}>
            {actions}
            <Group>
              <Button variant="default" onClick={runTest} loading={test.isPending} disabled={busy}>
                Test connection
              </Button>
              <Button type="submit" loading={save.isPending} disabled={busy}>
                Save
              </Button>
            </Group>
          </Group>
        </Stack>
      </form>
    </Paper>
  );
}
