import { Avatar, Badge, type MantineSize } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import type { KindInfo, SecretKind, TestError } from "./api";

export const CATEGORY_LABELS: Record<string, string> = {
  mediaServer: "Media servers",
  mediaRequest: "Media requests",
  download: "Download clients",
  mediaCollection: "Media collection (*arr)",
  dnsHole: "DNS sinkholes",
  calendar: "Calendars",
  indexerManager: "Indexer managers",
  smartHome: "Smart home",
  usenet: "Usenet",
  search: "Search",
  mediaTranscoding: "Transcoding",
  monitoring: "Monitoring",
};

/** A kind's home category: its first one that is not the cross-cutting "search". */
export function primaryCategory(kind: KindInfo | undefined): string {
  if (!kind) return "other";
  return kind.categories.find((c) => c !== "search") ?? kind.categories[0] ?? "other";
}

export function categoryLabel(c: string): string {
  return CATEGORY_LABELS[c] ?? "Other";
}

export const SECRET_LABELS: Record<SecretKind, string> = {
  apiKey: "API key",
  username: "Username",
  password: "Password",
  token: "Access token",
  url: "Secret URL",
};

/** Secret kinds whose value full-access users may read back (contract §7). */
export const PUBLIC_SECRETS: ReadonlySet<string> = new Set(["username"]);

export function optionLabel(option: readonly SecretKind[]): string {
  if (!option.length) return "No authentication";
  return option.map((k) => SECRET_LABELS[k]).join(" + ");
}

/** Plain-language headline per connection-test error code; the server's message says what to do. */
export const ERROR_TITLES: Record<TestError["code"], string> = {
  CONNECTION_REFUSED: "Connection refused",
  INVALID_CREDENTIALS: "The credentials were not accepted",
  UNSUPPORTED_VERSION: "Unsupported version",
  TIMEOUT: "The service did not answer in time",
  DNS_ERROR: "Host name not found",
  HOST_UNREACHABLE: "Host unreachable",
  CERTIFICATE_ERROR: "The HTTPS certificate is not trusted",
  HTTP_ERROR: "The service answered with an error",
  UNEXPECTED_RESPONSE: "This does not look like the expected service",
  UNKNOWN: "The connection test failed",
};

/** Which input an error code concerns. */
export function errorTarget(code: TestError["code"]): "secrets" | "url" | "general" {
  if (code === "INVALID_CREDENTIALS") return "secrets";
  if (["CONNECTION_REFUSED", "DNS_ERROR", "TIMEOUT", "HOST_UNREACHABLE", "HTTP_ERROR", "UNEXPECTED_RESPONSE"].includes(code)) return "url";
  return "general";
}

const COLORS = ["blue", "grape", "teal", "orange", "indigo", "cyan", "pink", "lime", "violet", "red"];
function colorOf(text: string): string {
  let h = 0;
  for (const c of text) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length]!;
}

/** The kind's icon; initials when the icon cannot be loaded (offline home labs). */
export function KindIcon({ kind, size = "md" }: { kind: KindInfo | undefined; size?: MantineSize | number }) {
  const name = kind?.name ?? "?";
  return (
    <Avatar src={kind?.iconUrl} alt="" size={size} radius="sm" color={colorOf(name)} variant="light" imageProps={{ loading: "lazy", referrerPolicy: "no-referrer" }}>
      {name.replace(/[^A-Za-z0-9]/g, "").slice(0, 2)}
    </Avatar>
  );
}

export function AccessBadge({ p }: { p: { hasUseAccess: boolean; hasInteractAccess: boolean; hasFullAccess: boolean } }) {
  if (p.hasFullAccess) return <Badge color="green" variant="light">full</Badge>;
  if (p.hasInteractAccess) return <Badge color="blue" variant="light">interact</Badge>;
  return <Badge color="gray" variant="light">use</Badge>;
}

export const toast = {
  ok: (message: string, title?: string) => notifications.show({ color: "green", title, message }),
  fail: (message: string, title = "Something went wrong") => notifications.show({ color: "red", title, message, autoClose: 8000 }),
};
