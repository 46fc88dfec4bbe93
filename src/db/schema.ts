import type { ColumnType, Generated } from "kysely";

/**
 * The one schema for SQLite, PostgreSQL and MySQL/MariaDB. Columns are camelCase here and snake_case in
 * the database (CamelCasePlugin). Timestamps are epoch milliseconds in BIGINT columns: the one type that
 * all three drivers bind and return alike; services turn them into Dates.
 * Permission levels are stored as small integers (1 use, 2 interact, 3 full) so "highest wins" is MAX().
 */
type Millis = ColumnType<number, number, number>;

export interface UsersTable {
  id: string;
  username: string;
  email: string | null;
  name: string | null;
  image: string | null;
  passwordHash: string;
  createdAt: Millis;
}
export interface UserGroupsTable {
  id: string;
  name: string;
  createdAt: Millis;
}
export interface GroupMembersTable {
  groupId: string;
  userId: string;
}
export interface GroupPermissionsTable {
  groupId: string;
  permission: string;
}
export interface SessionsTable {
  /** sha256 of the cookie token: a stolen database does not yield usable sessions. */
  tokenHash: string;
  userId: string;
  expiresAt: Millis;
  createdAt: Millis;
  /** Refreshed at most once a minute; null until the first refresh (the idle clock starts at createdAt). */
  lastSeenAt: ColumnType<number | null, number | null | undefined, number | null>;
}
export interface ApiKeysTable {
  id: string;
  userId: string;
  name: string;
  tokenHash: string;
  createdAt: Millis;
  lastUsedAt: Millis | null;
  /** Optional end of validity; null = until revoked. */
  expiresAt: ColumnType<number | null, number | null | undefined, number | null>;
}
export interface AppsTable {
  id: string;
  name: string;
  description: string | null;
  iconUrl: string;
  href: string | null;
  pingUrl: string | null;
  createdBy: string | null;
  createdAt: Millis;
}
export interface IntegrationsTable {
  id: string;
  name: string;
  /** searchName(name) (src/services/search-name.ts): what integration.search matches and orders by. */
  nameLower: string;
  kind: string;
  url: string;
  appId: string | null;
  createdBy: string | null;
  createdAt: Millis;
  updatedAt: Millis;
}
/**
 * SQLite only (migration 0007_search_trigram): an FTS5 trigram index of integrations.name_lower, kept in step
 * by triggers; integration.search reads candidate ids from it (src/services/search-trigram.ts).
 */
export interface IntegrationsNameTrigramTable {
  id: string;
  nameLower: string;
}
export interface IntegrationSecretsTable {
  integrationId: string;
  kind: string;
  value: string;
  updatedAt: Millis;
}
export interface IntegrationUserPermissionsTable {
  integrationId: string;
  userId: string;
  level: number;
}
export interface IntegrationGroupPermissionsTable {
  integrationId: string;
  groupId: string;
  level: number;
}
export interface SearchEnginesTable {
  id: string;
  name: string;
  short: string;
  iconUrl: string;
  type: string;
  urlTemplate: string | null;
  description: string | null;
  integrationId: string | null;
  createdBy: string | null;
  createdAt: Millis;
}
export interface TrustedCertificatesTable {
  id: string;
  fingerprint256: string;
  subject: string;
  issuer: string;
  validTo: string;
  pem: string;
  createdAt: Millis;
}
export interface DashboardLayoutsTable {
  userId: string;
  /** JSON of the layout (src/services/dashboard.ts). */
  layout: string;
  updatedAt: Millis;
}
export interface SettingsTable {
  key: string;
  value: string;
}

export interface IntegrationHealthTable {
  integrationId: string;
  status: string;
  checkedAt: Millis;
  latencyMs: number | null;
  version: string | null;
  code: string | null;
  message: string | null;
  warning: string | null;
  /** Consecutive failed checks; "integration.failing" goes out at 2. */
  failures: number;
  /** 1 after "integration.failing" was sent, until "recovered". */
  notified: number;
  certNotified: string | null;
  /** The `health` revision of the last write (migration 0008), set by a trigger. */
  rev: Generated<number>;
}
export interface HealthEventsTable {
  id: string;
  integrationId: string;
  at: Millis;
  status: string;
  code: string | null;
}
export interface HealthHourlyTable {
  integrationId: string;
  /** Start of the hour, epoch ms. */
  hour: Millis;
  checks: number;
  failures: number;
  latencySum: Millis;
}
/**
 * Counters moved by triggers (migration 0008), what the integration list caches are tagged with: `access`
 * (every write to integrations, permission rows, group members, groups and users) and `health` (every insert
 * or update of a health row, which gets the new value as its `rev`).
 */
export interface ListRevisionsTable {
  name: "access" | "health";
  n: number;
  /** 1 when the triggers exist (MySQL/MariaDB may refuse them: then lists are not cached). */
  triggers: number;
}

export interface HealthLeasesTable {
  integrationId: string;
  /** When the next background check is due; claiming moves it one interval ahead. */
  dueAt: Millis;
  owner: string | null;
}
export interface NotificationTargetsTable {
  id: string;
  name: string;
  type: string;
  /** Sealed with the keyring. */
  url: string;
  secret: string | null;
  /** Comma-separated event names. */
  events: string;
  createdAt: Millis;
  updatedAt: Millis;
}
export interface NotificationDeliveriesTable {
  id: string;
  targetId: string;
  event: string;
  createdAt: Millis;
  status: string;
  attempts: number;
  responseStatus: number | null;
  error: string | null;
  finishedAt: Millis | null;
}
export interface AuditLogTable {
  id: string;
  at: number;
  actorType: string;
  actorId: string | null;
  actorName: string;
  action: string;
  targetType: string | null;
  targetId: string | null;
  targetName: string | null;
  /** No foreign key: the history of an integration outlives it. */
  integrationId: string | null;
  ip: string | null;
  /** JSON text; never a secret value. */
  changes: string | null;
  outcome: string;
}

export interface Database {
  users: UsersTable;
  userGroups: UserGroupsTable;
  groupMembers: GroupMembersTable;
  groupPermissions: GroupPermissionsTable;
  sessions: SessionsTable;
  apiKeys: ApiKeysTable;
  apps: AppsTable;
  integrations: IntegrationsTable;
  integrationsNameTrigram: IntegrationsNameTrigramTable;
  integrationSecrets: IntegrationSecretsTable;
  integrationUserPermissions: IntegrationUserPermissionsTable;
  integrationGroupPermissions: IntegrationGroupPermissionsTable;
  searchEngines: SearchEnginesTable;
  trustedCertificates: TrustedCertificatesTable;
  settings: SettingsTable;
  dashboardLayouts: DashboardLayoutsTable;
  integrationHealth: IntegrationHealthTable;
  healthEvents: HealthEventsTable;
  healthHourly: HealthHourlyTable;
  healthLeases: HealthLeasesTable;
  listRevisions: ListRevisionsTable;
  notificationTargets: NotificationTargetsTable;
  notificationDeliveries: NotificationDeliveriesTable;
  auditLog: AuditLogTable;
}

export const EVERYONE_GROUP_ID = "everyone";
