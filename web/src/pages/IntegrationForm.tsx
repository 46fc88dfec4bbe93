import { Alert, Anchor, Badge, Button, Checkbox, Code, Group, Loader, Modal, Paper, PasswordInput, SegmentedControl, Select, SimpleGrid, Stack, Table, Text, TextInput, Title, UnstyledButton } from "@mantine/core";
import { useForm, type UseFormReturnType } from "@mantine/form";
import { useDisclosure } from "@mantine/hooks";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { fieldErrors, useTRPC, type Certificate, type KindInfo, type Outputs, type SecretKind, type TestError } from "../api";
import { useCan } from "../App";
import { categoryLabel, ERROR_TITLES, errorTarget, KindIcon, optionLabel, PUBLIC_SECRETS, SECRET_LABELS, toast } from "../ui";
import { groupByCategory, useKinds } from "./Integrations";

type Values = {
  name: string;
  url: string;
  option: string;
  secrets: Record<SecretKind, string>;
  app: string;
  newAppName: string;
  newAppHref: string;
  createSearchEngine: boolean;
};
type Form = UseFormReturnType<Values>;
type Outcome = { ok: true; version?: string } | { ok: false; error: TestError } | null;

const emptySecrets = (): Record<SecretKind, string> => ({ apiKey: "", username: "", password: "", token: "", url: "" });

/** Step 1 of "Add integration": a searchable grid of kinds, grouped by category. */
export function KindPicker() {
  const { kinds, isPending } = useKinds();
  const [q, setQ] = useState("");
  const shown = kinds.filter((k) => `${k.name} ${k.kind} ${k.categories.join(" ")}`.toLowerCase().includes(q.trim().toLowerCase()));
  return (
    <Stack>
      <Title order={2}>Add integration</Title>
      <TextInput label="Find a kind" placeholder="Sonarr, qBittorrent, Pi-hole…" value={q} onChange={(e) => setQ(e.currentTarget.value)} maw={400} data-autofocus />
      {isPending && <Loader aria-label="Loading kinds" />}
      {!isPending && shown.length === 0 && <Text c="dimmed">No kind matches “{q}”.</Text>}
      {groupByCategory(shown, (k) => k).map(([category, list]) => (
        <section key={category} aria-label={categoryLabel(category)}>
          <Title order={3} size="h5" c="dimmed" tt="uppercase" mb={6}>
            {categoryLabel(category)}
          </Title>
          <SimpleGrid cols={{ base: 2, sm: 3, lg: 5 }} spacing="sm">
            {list.map((k) => (
              <UnstyledButton key={k.kind} component={Link} to={`/integrations/new/${k.kind}`} aria-label={k.name} data-kind={k.kind}>
                <Paper withBorder p="sm" radius="md" className="pb-kind-card">
                  <Group gap="sm" wrap="nowrap">
                    <KindIcon kind={k} />
                    <Text fw={500} size="sm" truncate>
                      {k.name}
                    </Text>
                  </Group>
                </Paper>
              </UnstyledButton>
            ))}
          </SimpleGrid>
        </section>
      ))}
    </Stack>
  );
}

/** The secret fields of the chosen option, with a switch when the kind has several options. */
function SecretFields({ kind, form, stored }: { kind: KindInfo; form: Form; stored?: Set<SecretKind> }) {
  const options = kind.secretOptions;
  const option = options[Number(form.values.option)] ?? [];
  const removed = stored ? [...stored].filter((k) => !option.includes(k)) : [];
  return (
    <Stack gap="sm">
      {options.length > 1 && (
        <div>
          <Text size="sm" fw={500} mb={4} id="auth-method-label">
            Authentication
          </Text>
          <SegmentedControl
            aria-labelledby="auth-method-label"
            data={options.map((o, i) => ({ value: String(i), label: optionLabel(o) }))}
            {...form.getInputProps("option")}
            onChange={(v) => {
              form.setFieldValue("option", v);
              form.clearErrors();
            }}
          />
        </div>
      )}
      {option.length === 0 && <Text size="sm" c="dimmed">This option needs no credentials.</Text>}
      {option.map((k) => {
        const isStored = stored?.has(k) && !PUBLIC_SECRETS.has(k);
        const props = {
          key: k,
          label: SECRET_LABELS[k],
          required: !isStored,
          placeholder: isStored ? "unchanged" : undefined,
          description: isStored ? "Stored encrypted. Leave empty to keep it; type to replace it." : undefined,
          autoComplete: "off",
          ...form.getInputProps(`secrets.${k}`),
        };
        return PUBLIC_SECRETS.has(k) ? <TextInput {...props} key={k} /> : <PasswordInput {...props} key={k} autoComplete="new-password" />;
      })}
      {removed.length > 0 && (
        <Text size="sm" c="orange">
          Saving removes the stored {removed.map((k) => SECRET_LABELS[k]).join(", ")}.
        </Text>
      )}
    </Stack>
  );
}

/** Shows a failed test next to the input it concerns; returns whether it still needs a general alert. */
function applyTestError(form: Form, kind: KindInfo, error: TestError) {
  const text = `${ERROR_TITLES[error.code]}. ${error.message}`;
  const option = kind.secretOptions[Number(form.values.option)] ?? [];
  const target = errorTarget(error.code);
  if (target === "secrets" && option.length) {
    option.forEach((k, i) => form.setFieldError(`secrets.${k}`, i === option.length - 1 ? text : true));
  } else if (target === "url") {
    form.setFieldError("url", text);
  }
}

function TestOutcome({ outcome, onRetest }: { outcome: Outcome; onRetest: () => void }) {
  if (!outcome) return null;
  if (outcome.ok) {
    return (
      <Alert color="green" title="Connection works" data-testid="test-ok">
        {outcome.version ? `The service answered, version ${outcome.version}.` : "The service answered and accepted the credentials."}
      </Alert>
    );
  }
  const { error } = outcome;
  if (error.code === "CERTIFICATE_ERROR" && error.certificate) return <CertificateCard error={error} cert={error.certificate} onTrusted={onRetest} />;
  if (errorTarget(error.code) !== "general") return null;
  return (
    <Alert color="red" title={ERROR_TITLES[error.code]} data-testid="test-error">
      {error.message}
    </Alert>
  );
}

function CertificateCard({ error, cert, onTrusted }: { error: TestError; cert: Certificate; onTrusted: () => void }) {
  const trpc = useTRPC();
  const can = useCan();
  const trust = useMutation(
    trpc.certificate.trust.mutationOptions({
      onSuccess: () => {
        toast.ok(`Patchbay now trusts ${cert.subject}. Testing again…`, "Certificate trusted");
        onTrusted();
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const row = (label: string, value: React.ReactNode) => (
    <Table.Tr>
      <Table.Th w={120}>{label}</Table.Th>
      <Table.Td style={{ wordBreak: "break-all" }}>{value}</Table.Td>
    </Table.Tr>
  );
  return (
    <Alert color="orange" title={ERROR_TITLES.CERTIFICATE_ERROR} data-testid="certificate-error">
      <Stack gap="sm">
        <Text size="sm">{error.message}</Text>
        <Table withRowBorders={false} verticalSpacing={2} fz="sm" aria-label="Certificate">
          <Table.Tbody>
            {row("Subject", cert.subject)}
            {row("Issuer", <>{cert.issuer} {cert.selfSigned && <Badge size="xs" color="orange">self-signed</Badge>}</>)}
            {row("Valid", `${new Date(cert.validFrom).toLocaleString()} – ${new Date(cert.validTo).toLocaleString()}`)}
            {row("SHA-256", <Code>{cert.fingerprint256}</Code>)}
          </Table.Tbody>
        </Table>
        {can("admin") ? (
          <Group>
            <Button color="orange" onClick={() => trust.mutate({ pem: cert.pem })} loading={trust.isPending}>
              Trust this certificate
            </Button>
            <Text size="xs" c="dimmed">
              Compare the fingerprint with the one the service shows before trusting it.
            </Text>
          </Group>
        ) : (
          <Text size="sm">Ask an administrator to trust this certificate.</Text>
        )}
      </Stack>
    </Alert>
  );
}

function Testing({ active, timeoutMs }: { active: boolean; timeoutMs?: number }) {
  if (!active) return null;
  return (
    <Group gap="sm" wrap="nowrap" role="status" aria-live="polite" data-testid="testing">
      <Loader size="sm" />
      <Text size="sm">Testing the connection… this can take a few seconds{timeoutMs ? ` (at most ${Math.round(timeoutMs / 1000)} s)` : ""}.</Text>
    </Group>
  );
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

/** Step 2: name, URL, secrets, app, search engine; Test connection and Save. */
export function AddIntegration() {
  const { kind: kindId } = useParams();
  const { byKind, isPending } = useKinds();
  const kind = byKind.get(kindId ?? "");
  if (isPending) return <Loader aria-label="Loading" />;
  if (!kind) return <Text>Unknown kind “{kindId}”. <Anchor component={Link} to="/integrations/new">Pick another</Anchor></Text>;
  return <AddForm kind={kind} key={kind.kind} />;
}

function AddForm({ kind }: { kind: KindInfo }) {
  const trpc = useTRPC();
  const can = useCan();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const apps = useQuery(trpc.app.all.queryOptions());
  const [outcome, setOutcome] = useState<Outcome>(null);
  const form = useForm<Values>({
    initialValues: {
      name: kind.name,
      url: `http://localhost:${kind.defaultPort}`,
      option: "0",
      secrets: emptySecrets(),
      app: "",
      newAppName: kind.name,
      newAppHref: "",
      createSearchEngine: kind.supportsSearch,
    },
    validate: {
      name: (v) => (v.trim() ? null : "Give it a name"),
      url: (v) => (/^https?:\/\/[^/\s]+/i.test(v.trim()) ? null : "Enter an http:// or https:// URL, like http://192.168.1.10:8989"),
    },
  });
  const option = kind.secretOptions[Number(form.values.option)] ?? [];
  const secrets = () => option.map((k) => ({ kind: k, value: form.values.secrets[k] }));
  const check = () => !form.validate().hasErrors && requireSecrets(form, option, (k) => form.values.secrets[k] !== "");

  const onError = (e: { message: string }) => {
    const f = fieldErrors(e);
    const mapped = Object.entries(f).map(([k, v]) => [k.replace(/^secrets(\[\d+\])?(\.value|\.kind)?$/, `secrets.${option.at(-1)}`), v]);
    if (mapped.length) form.setErrors(Object.fromEntries(mapped));
    else toast.fail(e.message);
  };
  const test = useMutation(
    trpc.integration.testConnection.mutationOptions({
      onSuccess: (r) => {
        form.clearErrors();
        if (r.ok) {
          setOutcome({ ok: true, version: r.version });
          toast.ok(r.version ? `Version ${r.version}` : "The service accepted the credentials.", "Connection works");
        } else {
          setOutcome({ ok: false, error: r.error });
          applyTestError(form, kind, r.error);
          toast.fail(r.error.message, ERROR_TITLES[r.error.code]);
        }
      },
      onError,
    }),
  );
  const create = useMutation(
    trpc.integration.create.mutationOptions({
      onSuccess: async (r) => {
        form.clearErrors();
        if ("error" in r) {
          setOutcome({ ok: false, error: r.error });
          applyTestError(form, kind, r.error);
          toast.fail(r.error.message, `Not saved: ${ERROR_TITLES[r.error.code]}`);
          return;
        }
        await qc.invalidateQueries({ queryKey: trpc.integration.pathKey() });
        await qc.invalidateQueries({ queryKey: trpc.searchEngine.pathKey() });
        toast.ok(`“${form.values.name.trim()}” was tested and saved.`, "Integration saved");
        await navigate("/integrations");
      },
      onError,
    }),
  );
  const runTest = () => {
    setOutcome(null);
    if (check()) test.mutate({ kind: kind.kind, url: form.values.url.trim(), secrets: secrets() });
  };
  const save = () => {
    setOutcome(null);
    if (!check()) return;
    const v = form.values;
    const app =
      v.app === "new" ? { name: v.newAppName.trim() || kind.name, iconUrl: kind.iconUrl, href: v.newAppHref.trim() || null } : v.app ? { id: v.app } : null;
    create.mutate({
      name: v.name.trim(),
      kind: kind.kind,
      url: v.url.trim(),
      secrets: secrets(),
      app,
      attemptSearchEngineCreation: kind.supportsSearch ? v.createSearchEngine : undefined,
    });
  };
  const busy = test.isPending || create.isPending;
  const appChoices = [
    { value: "", label: "No app" },
    ...(can("app-create") ? [{ value: "new", label: "New app…" }] : []),
    ...(apps.data ?? []).map((a) => ({ value: a.id, label: a.name })),
  ];

  return (
    <Stack maw={640}>
      <Group gap="sm">
        <KindIcon kind={kind} size="lg" />
        <div>
          <Title order={2}>Add {kind.name}</Title>
          <Text size="sm" c="dimmed">
            <Anchor component={Link} to="/integrations/new">Choose another kind</Anchor>
            {kind.docsUrl && (
              <>
                {" · "}
                <Anchor href={kind.docsUrl} target="_blank" rel="noreferrer" size="sm">
                  {kind.name} documentation
                </Anchor>
              </>
            )}
          </Text>
        </div>
      </Group>
      <Paper withBorder p="md" radius="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <Stack>
            <TextInput label="Name" required {...form.getInputProps("name")} />
            <TextInput label="URL" description={`Where Patchbay reaches ${kind.name}; its default port is ${kind.defaultPort}.`} required {...form.getInputProps("url")} />
            <SecretFields kind={kind} form={form} />
            <Select label="App" description="Optional: a link on a dashboard for this service." data={appChoices} allowDeselect={false} {...form.getInputProps("app")} />
            {form.values.app === "new" && (
              <Group grow align="flex-start">
                <TextInput label="App name" {...form.getInputProps("newAppName")} />
                <TextInput label="App link" placeholder="https://sonarr.example.lan" {...form.getInputProps("newAppHref")} />
              </Group>
            )}
            {kind.supportsSearch && <Checkbox label="Also create a search engine for it" {...form.getInputProps("createSearchEngine", { type: "checkbox" })} />}
            <Testing active={busy} />
            <TestOutcome outcome={outcome} onRetest={runTest} />
            <Group justify="flex-end">
              <Button variant="default" onClick={runTest} loading={test.isPending} disabled={busy}>
                Test connection
              </Button>
              <Button type="submit" loading={create.isPending} disabled={busy}>
                Save
              </Button>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}

type Detail = Outputs["integration"]["byId"];

/** Edit: secrets show as "unchanged"; test + save; delete with a confirmation naming what breaks. */
export function EditIntegration({ detail, kind }: { detail: Detail; kind: KindInfo }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const apps = useQuery(trpc.app.all.queryOptions());
  const [outcome, setOutcome] = useState<Outcome>(null);
  const stored = new Set(detail.secrets.map((s) => s.kind));
  const initialOption = Math.max(
    0,
    kind.secretOptions.findIndex((o) => o.length === stored.size && o.every((k) => stored.has(k))),
  );
  const initialSecrets = emptySecrets();
  for (const s of detail.secrets) if (s.value !== null) initialSecrets[s.kind] = s.value;
  const form = useForm<Values>({
    initialValues: {
      name: detail.name,
      url: detail.url,
      option: String(initialOption),
      secrets: initialSecrets,
      app: detail.app?.id ?? "",
      newAppName: "",
      newAppHref: "",
      createSearchEngine: false,
    },
    validate: {
      name: (v) => (v.trim() ? null : "Give it a name"),
      url: (v) => (/^https?:\/\/[^/\s]+/i.test(v.trim()) ? null : "Enter an http:// or https:// URL"),
    },
  });
  const option = kind.secretOptions[Number(form.values.option)] ?? [];
  const keeps = (k: SecretKind) => stored.has(k) && !PUBLIC_SECRETS.has(k) && form.values.secrets[k] === "";
  /** Typed → replaces; empty stored secret → kept (null); a cleared public value or another option's secret → removed. */
  const secrets = (): { kind: SecretKind; value: string | null }[] =>
    option.flatMap<{ kind: SecretKind; value: string | null }>((k) =>
      form.values.secrets[k] !== "" ? [{ kind: k, value: form.values.secrets[k] }] : keeps(k) ? [{ kind: k, value: null }] : [],
    );
  const check = () => !form.validate().hasErrors && requireSecrets(form, option, (k) => form.values.secrets[k] !== "" || keeps(k));
  const onError = (e: { message: string }) => {
    const f = fieldErrors(e);
    if (Object.keys(f).length) form.setErrors(Object.fromEntries(Object.entries(f).map(([k, v]) => [k.startsWith("secrets") ? `secrets.${option.at(-1)}` : k, v])));
    else toast.fail(e.message);
  };
  const test = useMutation(
    trpc.integration.testConnection.mutationOptions({
      onSuccess: (r) => {
        form.clearErrors();
        if (r.ok) {
          setOutcome({ ok: true, version: r.version });
          toast.ok(r.version ? `Version ${r.version}` : "The service accepted the credentials.", "Connection works");
        } else {
          setOutcome({ ok: false, error: r.error });
          applyTestError(form, kind, r.error);
          toast.fail(r.error.message, ERROR_TITLES[r.error.code]);
        }
      },
      onError,
    }),
  );
  const update = useMutation(
    trpc.integration.update.mutationOptions({
      onSuccess: async (r) => {
        form.clearErrors();
        if ("error" in r) {
          setOutcome({ ok: false, error: r.error });
          applyTestError(form, kind, r.error);
          toast.fail(r.error.message, `Not saved: ${ERROR_TITLES[r.error.code]}`);
          return;
        }
        await qc.invalidateQueries({ queryKey: trpc.integration.pathKey() });
        toast.ok(`“${form.values.name.trim()}” was tested and saved.`, "Changes saved");
      },
      onError,
    }),
  );
  const runTest = () => {
    setOutcome(null);
    if (check()) test.mutate({ id: detail.id, url: form.values.url.trim(), secrets: secrets() });
  };
  const save = () => {
    setOutcome(null);
    if (check()) update.mutate({ id: detail.id, name: form.values.name.trim(), url: form.values.url.trim(), secrets: secrets(), appId: form.values.app || null });
  };
  const busy = test.isPending || update.isPending;
  const appChoices = [{ value: "", label: "No app" }, ...(apps.data ?? []).map((a) => ({ value: a.id, label: a.name }))];
  return (
    <Stack maw={640}>
      <Paper withBorder p="md" radius="md">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save();
          }}
        >
          <Stack>
            <TextInput label="Name" required {...form.getInputProps("name")} />
            <TextInput label="URL" required {...form.getInputProps("url")} />
            <SecretFields kind={kind} form={form} stored={stored} />
            <Select label="App" data={appChoices} allowDeselect={false} {...form.getInputProps("app")} />
            <Testing active={busy} />
            <TestOutcome outcome={outcome} onRetest={runTest} />
            <Group justify="space-between">
              <DeleteIntegration detail={detail} onDeleted={() => void navigate("/integrations")} />
              <Group>
                <Button variant="default" onClick={runTest} loading={test.isPending} disabled={busy}>
                  Test connection
                </Button>
                <Button type="submit" loading={update.isPending} disabled={busy}>
                  Save
                </Button>
              </Group>
            </Group>
          </Stack>
        </form>
      </Paper>
    </Stack>
  );
}

function DeleteIntegration({ detail, onDeleted }: { detail: Detail; onDeleted: () => void }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const [opened, { open, close }] = useDisclosure(false);
  const perms = useQuery({ ...trpc.integration.getIntegrationPermissions.queryOptions({ id: detail.id }), enabled: opened });
  const engines = useQuery({ ...trpc.searchEngine.all.queryOptions(), enabled: opened });
  const remove = useMutation(
    trpc.integration.delete.mutationOptions({
      onSuccess: async () => {
        close();
        qc.removeQueries({ queryKey: trpc.integration.byId.queryKey({ id: detail.id }) });
        await qc.invalidateQueries({ queryKey: trpc.integration.all.queryKey() });
        await qc.invalidateQueries({ queryKey: trpc.searchEngine.pathKey() });
        toast.ok(`“${detail.name}” was deleted.`, "Integration deleted");
        onDeleted();
      },
      onError: (e) => toast.fail(e.message),
    }),
  );
  const ownEngines = (engines.data ?? []).filter((e) => e.integrationId === detail.id);
  const users = perms.data?.users ?? [];
  const groups = perms.data?.groups ?? [];
  return (
    <>
      <Button color="red" variant="outline" onClick={open}>
        Delete
      </Button>
      <Modal opened={opened} onClose={close} title={`Delete “${detail.name}”?`} centered>
        <Stack>
          <Text size="sm">This cannot be undone. Deleting it:</Text>
          <ul style={{ margin: 0, paddingLeft: 20 }}>
            <li>
              <Text size="sm">erases its stored credentials;</Text>
            </li>
            <li>
              <Text size="sm">
                takes it away from{" "}
                {perms.isPending ? "…" : users.length + groups.length === 0 ? "nobody else" : [...users.map((u) => u.user.name), ...groups.map((g) => `group ${g.group.name}`)].join(", ")}{" "}
                (and everyone who sees it through a global permission);
              </Text>
            </li>
            {ownEngines.length > 0 && (
              <li>
                <Text size="sm">deletes the search engine {ownEngines.map((e) => `“${e.name}” (!${e.short})`).join(", ")};</Text>
              </li>
            )}
            <li>
              <Text size="sm">breaks widgets and scripts that use its id ({detail.id}).</Text>
            </li>
          </ul>
          {detail.app && <Text size="sm">The app “{detail.app.name}” stays.</Text>}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>
              Cancel
            </Button>
            <Button color="red" onClick={() => remove.mutate({ id: detail.id })} loading={remove.isPending}>
              Delete {detail.name}
            </Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
