import type { Capabilities, CapabilityName } from "./capabilities.js";
import type { HttpSession } from "./http.js";

export const SECRET_KINDS = ["apiKey", "username", "password", "token", "url"] as const;
export type SecretKind = (typeof SECRET_KINDS)[number];
/** Secret kinds whose value full-access users may read back (docs/api.md, "Secrets at rest": encrypted all the same). */
export const PUBLIC_SECRET_KINDS: ReadonlySet<SecretKind> = new Set<SecretKind>(["username"]);

export const CATEGORIES = [
  "mediaServer",
  "mediaRequest",
  "download",
  "mediaCollection",
  "dnsHole",
  "calendar",
  "indexerManager",
  "smartHome",
  "usenet",
  "search",
  "mediaTranscoding",
  "monitoring",
] as const;
export type Category = (typeof CATEGORIES)[number];

// The connection-test failure vocabulary lives in failure.ts (the outbound client needs it without the kind types).
export { ERROR_CODES, TestFailure, type CertificateInfo, type TestError, type TestErrorCode } from "./failure.js";

export type Secrets = Partial<Record<SecretKind, string>>;

export interface TestContext {
  /** The kind being called: its name and where the user finds the credential (used in the kit's messages). */
  kind: Pick<KindDefinition, "name" | "credentialHint">;
  /** Base URL as stored (no trailing slash). */
  url: URL;
  secrets: Secrets;
  /** The shared outbound client, bound to this test's deadline, with a cookie jar for the base origin. */
  http: HttpSession;
  /** Work to run after the test whatever its outcome (closing a session the test opened); gets a client with a fresh short deadline. */
  onCleanup(fn: (http: HttpSession) => Promise<unknown>): void;
}

export interface SearchResult {
  id: string;
  name: string;
  link?: string;
  image?: string;
  text?: string;
  type?: string;
}

/** One integration kind: its catalog entry and its adapter, declared together in src/kinds/<kind>/index.ts. */
export interface KindDefinition<K extends string = string> {
  kind: K;
  name: string;
  /** Categories without "search": that one is derived from the presence of `search`. */
  categories: Exclude<Category, "search">[];
  /** Alternatives: the secrets given must match exactly one of these sets. */
  secretOptions: SecretKind[][];
  defaultPort: number | null;
  iconUrl: string;
  docsUrl: string;
  /** Lowest version the adapter supports; older versions answer UNSUPPORTED_VERSION. */
  minVersion?: string;
  /** Where the user finds the credential, used in INVALID_CREDENTIALS messages. */
  credentialHint: string;
  test(ctx: TestContext): Promise<{ version?: string }>;
  search?(ctx: TestContext, query: string, limit: number): Promise<SearchResult[]>;
  /** What users with `use` can read and users with `interact` can do through this kind (docs/capabilities.md). */
  capabilities?: Capabilities<TestContext>;
}

export function defineKind<const K extends string>(def: KindDefinition<K>): KindDefinition<K> {
  return def;
}

/** One capability as a kind implements it, e.g. `Capability<"downloads">` in src/kinds/<kind>/capabilities.ts. */
export type Capability<N extends CapabilityName> = NonNullable<Capabilities<TestContext>[N]>;
