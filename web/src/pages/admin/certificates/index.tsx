import { Code } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useTRPC, useTRPCClient, type Outputs } from "../../../api";
import { EntityScreen } from "../../../components/EntityScreen";

type Certificate = Outputs["certificate"]["all"][number];

/** Trusted certificates: added from a failed connection test (the "Trust this certificate" card), removed here. */
export default function AdminCertificates() {
  const trpc = useTRPC();
  const client = useTRPCClient();
  const certs = useQuery(trpc.certificate.all.queryOptions());
  return (
    <EntityScreen<Certificate, Record<string, never>>
      title="Trusted certificates"
      noun="certificate"
      intro="Self-signed certificates you trusted from a failed connection test. Patchbay accepts them for outbound HTTPS."
      rows={certs.data}
      name={(c) => c.subject}
      emptyText="No trusted certificates."
      invalidate={trpc.certificate.pathKey()}
      columns={[
        { label: "Subject", cell: (c) => c.subject },
        { label: "Valid until", cell: (c) => new Date(c.validTo).toLocaleDateString() },
        { label: "SHA-256", cell: (c) => <Code style={{ wordBreak: "break-all" }}>{c.fingerprint256}</Code> },
      ]}
      remove={{
        label: "Remove",
        consequence: "Connections to services using it fail again until it is trusted anew.",
        run: (c) => client.certificate.remove.mutate({ id: c.id }),
        done: "Certificate no longer trusted.",
      }}
    />
  );
}
