import { Alert, Badge, Button, Code, Group, Loader, Stack, Table, Text } from "@mantine/core";
import { useMutation } from "@tanstack/react-query";
import { useTRPC, type Certificate, type KindInfo, type TestError } from "../../api";
import { useCan } from "../../hooks/session";
import { ERROR_TITLES, errorTarget, toast } from "../../ui";
import type { Form, Outcome } from "./values";

/** Shows a failed connection test next to the input it concerns (TestOutcome shows the general ones). */
export function applyTestError(form: Form, kind: KindInfo, error: TestError) {
  const text = `${ERROR_TITLES[error.code]}. ${error.message}`;
  const option = kind.secretOptions[Number(form.values.option)] ?? [];
  const target = errorTarget(error.code);
  if (target === "secrets" && option.length) {
    option.forEach((k, i) => form.setFieldError(`secrets.${k}`, i === option.length - 1 ? text : true));
  } else if (target === "url") {
    form.setFieldError("url", text);
  }
}

export function TestOutcome({ outcome, onRetest }: { outcome: Outcome; onRetest: () => void }) {
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

export function Testing({ active, timeoutMs }: { active: boolean; timeoutMs?: number }) {
  if (!active) return null;
  return (
    <Group gap="sm" wrap="nowrap" role="status" aria-live="polite" data-testid="testing">
      <Loader size="sm" />
      <Text size="sm">Testing the connection… this can take a few seconds{timeoutMs ? ` (at most ${Math.round(timeoutMs / 1000)} s)` : ""}.</Text>
    </Group>
  );
}

