import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import type { Logger } from "pino";
import { DomainError } from "./errors.js";
import { z } from "zod";
import { LEVELS, type LevelName } from "../auth/permissions.js";
import { getKind, kindIds } from "../kinds/index.js";
import { SECRET_KINDS, type SecretKind } from "../engine/types.js";
import { constraintKind } from "../db/index.js";
import { appFields, createIntegrationInput, knownKind, permissionLevel, searchEngineShort, secretKind } from "./inputs.js";
import { insertApp, updateApp } from "./apps.js";
import type { Caller, Deps } from "./deps.js";
import { savePermissions } from "./access.js";
import { createIntegration, updateIntegration } from "./integrations.js";
import { operatorCaller } from "./operator.js";
import { auditedTransaction, operatorActor } from "./audit.js";
import { createEngine, uniqueShort } from "./search-engines.js";
import { loadSecrets } from "./secrets.js";

/**
 * Declarative provisioning (PATCHBAY_PROVISION_FILE): a YAML list of integrations applied at every start.
 *
 *   integrations:
 *     - name: Sonarr
 *       kind: sonarr
 *       url: http://sonarr:8989
 *       secrets:
 *         apiKey: { file: /run/secrets/sonarr_api_key }   # or { env: SONARR_API_KEY }; a bare string is a literal (discouraged)
 *       # shorthand for the same: apiKeyFile: /run/secrets/sonarr_api_key  (or apiKeyEnv: SONARR_API_KEY)
 *       permissions: { groups: { everyone: use }, users: { alice: full } }
 *       app: { name: Sonarr, iconUrl: /icons/sonarr.svg, href: https://sonarr.example.com }
 *       searchEngine: true                                 # or { short: son }
 *
 * - Matched by name + kind: created when missing, updated when its URL, secrets or app differ, left alone
 *   when equal; never duplicated.
 * - Every create/update goes through the integration service, so the connection test runs first and a
 *   failing entry writes nothing (an existing integration keeps its working configuration).
 * - Failures are logged (entry name, kind, host, error code and message; never a secret value) and never
 *   stop the start-up; the next entries are still applied.
 * - It acts as the first admin (services/operator.ts): the integrations need a creator, and that is the
 *   person who owns the instance. With no admin yet, provisioning waits for the next start.
 */

const secretSource = z.union([
  z.string().min(1, "must not be empty"),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ value: z.string().min(1) }).strict(),
]);
type SecretSource = z.infer<typeof secretSource>;

const shorthandKeys = SECRET_KINDS.flatMap((k) => [`${k}Env`, `${k}File`]);

const entrySchema = z
  .object({
    // The fields integration.create has, from its one definition; a file names its kind, secrets and app its own way.
    ...createIntegrationInput.pick({ name: true, url: true }).shape,
    kind: knownKind(`one of: ${kindIds.join(", ")}`),
    secrets: z.partialRecord(secretKind, secretSource).optional(),
    permissions: z
      .object({ users: z.record(z.string(), permissionLevel).optional(), groups: z.record(z.string(), permissionLevel).optional() })
      .strict()
      .optional(),
    app: appFields.strict().optional(),
    searchEngine: z.union([z.boolean(), z.object({ short: searchEngineShort }).strict()]).optional(),
    ...Object.fromEntries(shorthandKeys.map((k) => [k, z.string().min(1).optional()])),
  })
  .strict();
type Entry = z.infer<typeof entrySchema>;

const fileSchema = z.object({ integrations: z.array(z.unknown()).default([]) }).strict();

export interface ProvisionReport {
  created: string[];
  updated: string[];
  unchanged: string[];
  failed: { name: string; reason: string }[];
}

class EntryError extends Error {}

/** The secrets of an entry, read from the environment or files. Errors name the source, never a value. */
function resolveSecrets(entry: Entry, env: NodeJS.ProcessEnv, warn: (msg: string) => void): { kind: SecretKind; value: string }[] {
  const sources = new Map<SecretKind, SecretSource>();
  for (const [kind, source] of Object.entries(entry.secrets ?? {}) as [SecretKind, SecretSource][]) sources.set(kind, source);
  for (const kind of SECRET_KINDS) {
    const fromEnv = (entry as Record<string, unknown>)[`${kind}Env`] as string | undefined;
    const fromFile = (entry as Record<string, unknown>)[`${kind}File`] as string | undefined;
    for (const source of [fromEnv && { env: fromEnv }, fromFile && { file: fromFile }].filter(Boolean) as SecretSource[]) {
      if (sources.has(kind)) throw new EntryError(`secret ${kind} is given more than once (secrets.${kind}, ${kind}Env, ${kind}File: choose one)`);
      sources.set(kind, source);
    }
  }
  const out: { kind: SecretKind; value: string }[] = [];
  for (const [kind, source] of sources) {
    let value: string;
    if (typeof source === "string" || "value" in source) {
      warn(`secret ${kind} is written in the provisioning file; prefer { env: … } or { file: … }`);
      value = typeof source === "string" ? source : source.value;
    } else if ("env" in source) {
      const v = env[source.env];
      if (v === undefined || v === "") throw new EntryError(`secret ${kind}: environment variable ${source.env} is not set`);
      value = v;
    } else {
      try {
        value = fs.readFileSync(source.file, "utf8");
      } catch (e) {
        throw new EntryError(`secret ${kind}: file ${source.file} cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})`);
      }
      // Secret files usually end with a newline (echo, Docker/Kubernetes secrets); it is not part of the value.
      value = value.replace(/\r?\n$/, "");
      if (!value) throw new EntryError(`secret ${kind}: file ${source.file} is empty`);
    }
    out.push({ kind, value });
  }
  return out;
}

function describeIssues(error: z.ZodError, whole = "entry"): string {
  return error.issues.map((i) => `${i.path.join(".") || whole}: ${i.message}`).join("; ");
}

function errorText(e: unknown): string {
  if (e instanceof EntryError || e instanceof DomainError) return e.message;
  return `unexpected error: ${(e as Error)?.message ?? String(e)}`;
}

const LOCK_KEY = "provisioning_lock";

/**
 * A lease in the settings table, so that instances starting together on one database do not both create
 * the same integration (check-then-create spans a connection test). Portable: an insert, or a
 * compare-and-set over an expired lease.
 */
async function acquireLease(deps: Deps, ms: number): Promise<string | undefined> {
  const mine = `${Date.now() + ms}:${crypto.randomBytes(6).toString("hex")}`;
  try {
    await deps.db.insertInto("settings").values({ key: LOCK_KEY, value: mine }).execute();
    return mine;
  } catch (e) {
    if (constraintKind(e) !== "unique") throw e;
  }
  const held = await deps.db.selectFrom("settings").select("value").where("key", "=", LOCK_KEY).executeTakeFirst();
  if (held && Number(held.value.split(":")[0]) > Date.now()) return undefined;
  const res = await deps.db
    .updateTable("settings")
    .set({ value: mine })
    .where("key", "=", LOCK_KEY)
    .where("value", "=", held?.value ?? "")
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1 ? mine : undefined;
}

async function releaseLease(deps: Deps, lease: string) {
  await deps.db.deleteFrom("settings").where("key", "=", LOCK_KEY).where("value", "=", lease).execute();
}

/** Applies the file named by config.provisionFile. Never throws: every problem is logged and reported. */
export async function applyProvisioning(deps: Deps, file = deps.config.provisionFile, env: NodeJS.ProcessEnv = process.env): Promise<ProvisionReport> {
  const report: ProvisionReport = { created: [], updated: [], unchanged: [], failed: [] };
  if (!file) return report;
  const log = deps.log.child({ provisioning: file });
  try {
    return await applyFile(deps, file, env, log, report);
  } catch (e) {
    // A database failure half-way: logged, and the server still starts.
    log.error({ err: (e as Error)?.message }, "provisioning stopped by an unexpected error");
    report.failed.push({ name: "(file)", reason: `unexpected error: ${(e as Error)?.message}` });
    return report;
  }
}

async function applyFile(deps: Deps, file: string, env: NodeJS.ProcessEnv, log: Logger, report: ProvisionReport): Promise<ProvisionReport> {
  let entries: unknown[];
  try {
    const text = fs.readFileSync(file, "utf8");
    let doc: unknown;
    try {
      // yaml is loaded only when a provisioning file is configured (idle memory; README "Performance").
      doc = (await import("yaml")).parse(text) ?? {};
    } catch (e) {
      // Only the position: a YAML error message quotes the offending line, which may hold a literal secret.
      const err = e as { code?: string; linePos?: { line: number; col: number }[] };
      const at = err.linePos?.[0];
      throw new EntryError(`not valid YAML (${err.code ?? "syntax error"}${at ? ` at line ${at.line}, column ${at.col}` : ""})`);
    }
    const parsed = fileSchema.safeParse(doc);
    if (!parsed.success) throw new EntryError(`unexpected content: ${describeIssues(parsed.error, "file")} (expected a top-level "integrations:" list)`);
    entries = parsed.data.integrations;
  } catch (e) {
    const reason = e instanceof EntryError ? e.message : `cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
    log.error(`provisioning file ${reason}; nothing was provisioned`);
    report.failed.push({ name: "(file)", reason });
    return report;
  }
  const caller = await operatorCaller(deps, operatorActor("provisioning", path.basename(file)));
  if (!caller) {
    const reason = "no admin exists yet; set PATCHBAY_ADMIN_USERNAME and PATCHBAY_ADMIN_PASSWORD (or complete onboarding) and restart";
    log.warn(`provisioning skipped: ${reason}`);
    report.failed.push({ name: "(all)", reason });
    return report;
  }
  const lease = await acquireLease(deps, entries.length * (deps.config.testTimeoutMs + 5_000) + 30_000);
  if (!lease) {
    log.info("another instance is applying the provisioning file; skipped here");
    return report;
  }
  try {
    await applyEntries(deps, caller, entries, env, log, report);
  } finally {
    await releaseLease(deps, lease);
  }
  log.info({ created: report.created.length, updated: report.updated.length, unchanged: report.unchanged.length, failed: report.failed.length }, "provisioning done");
  return report;
}

async function applyEntries(deps: Deps, caller: Caller, entries: unknown[], env: NodeJS.ProcessEnv, log: Logger, report: ProvisionReport) {
  log.info({ entries: entries.length, as: caller.user!.username }, "applying the provisioning file");
  for (const [index, raw] of entries.entries()) {
    const label = typeof raw === "object" && raw && typeof (raw as { name?: unknown }).name === "string" ? (raw as { name: string }).name : `#${index + 1}`;
    const parsed = entrySchema.safeParse(raw);
    if (!parsed.success) {
      const reason = `invalid entry: ${describeIssues(parsed.error)}`;
      log.warn({ integration: label }, `provisioning: ${reason}`);
      report.failed.push({ name: label, reason });
      continue;
    }
    const entry = parsed.data;
    const fields = { integration: entry.name, kind: entry.kind, host: new URL(entry.url).host };
    try {
      const outcome = await applyEntry(deps, caller, entry, env, (msg) => log.warn(fields, `provisioning: ${msg}`));
      report[outcome].push(entry.name);
      log.info(fields, `provisioning: ${outcome}`);
    } catch (e) {
      const reason = errorText(e);
      log.warn(fields, `provisioning: not applied: ${reason}`);
      report.failed.push({ name: entry.name, reason });
    }
  }
}

async function applyEntry(deps: Deps, caller: Caller, entry: Entry, env: NodeJS.ProcessEnv, warn: (msg: string) => void): Promise<"created" | "updated" | "unchanged"> {
  const def = getKind(entry.kind)!;
  const secrets = resolveSecrets(entry, env, warn);
  const matches = await deps.db.selectFrom("integrations").select(["id", "url", "appId"]).where("name", "=", entry.name).where("kind", "=", entry.kind).execute();
  if (matches.length > 1) throw new EntryError(`${matches.length} integrations are named "${entry.name}" with kind ${entry.kind}; remove the duplicates so that it can be matched`);
  const wantsEngine = Boolean(entry.searchEngine);
  if (wantsEngine && !def.search) warn(`${def.name} does not support search; no search engine is created`);
  let outcome: "created" | "updated" | "unchanged";
  let id: string;
  const existing = matches[0];
  if (!existing) {
    const result = await createIntegration(deps, caller, {
      name: entry.name,
      kind: entry.kind,
      url: entry.url,
      secrets,
      app: entry.app,
      attemptSearchEngineCreation: wantsEngine && Boolean(def.search),
    });
    if ("error" in result) throw new EntryError(`connection test failed: ${result.error.code}: ${result.error.message}`);
    id = result.id;
    outcome = "created";
  } else {
    id = existing.id;
    const stored = await loadSecrets(deps.db, deps.keyring, id);
    const same =
      existing.url === entry.url &&
      stored.length === secrets.length &&
      secrets.every((s) => stored.some((t) => t.kind === s.kind && t.value === s.value));
    if (same) outcome = "unchanged";
    else {
      const result = await updateIntegration(deps, caller, { id, name: entry.name, url: entry.url, secrets });
      if ("error" in result) throw new EntryError(`connection test failed, the stored configuration is kept: ${result.error.code}: ${result.error.message}`);
      outcome = "updated";
    }
    if (entry.app) {
      const app = existing.appId ? await deps.db.selectFrom("apps").selectAll().where("id", "=", existing.appId).executeTakeFirst() : undefined;
      const want = { name: entry.app.name, description: entry.app.description ?? null, iconUrl: entry.app.iconUrl, href: entry.app.href ?? null, pingUrl: entry.app.pingUrl ?? null };
      if (!app) {
        // The new app and its link are one change: one transaction, one entry (as integration.create does).
        await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
          const appId = await insertApp(trx, caller.user!.id, want);
          await trx.updateTable("integrations").set({ appId }).where("id", "=", id).execute();
          await record({ action: "integration.update", target: { type: "integration", id, name: entry.name }, integrationId: id, changes: { appId: { from: existing.appId, to: appId }, appCreated: want.name } });
        });
        if (outcome === "unchanged") outcome = "updated";
      } else if (app.name !== want.name || app.description !== want.description || app.iconUrl !== want.iconUrl || app.href !== want.href || app.pingUrl !== want.pingUrl) {
        await updateApp(deps, caller, { id: app.id, ...want });
        if (outcome === "unchanged") outcome = "updated";
      }
    }
    if (wantsEngine && def.search) {
      const engine = await deps.db.selectFrom("searchEngines").select("id").where("integrationId", "=", id).executeTakeFirst();
      if (!engine) {
        // The declared short name right away when it is free: one write, one audit entry.
        const declared = typeof entry.searchEngine === "object" ? entry.searchEngine.short.toLowerCase() : undefined;
        const free = declared && !(await deps.db.selectFrom("searchEngines").select("id").where("short", "=", declared).executeTakeFirst());
        await createEngine(deps, caller, { name: entry.name, short: free ? declared : await uniqueShort(deps.db, entry.name), iconUrl: def.iconUrl, urlTemplate: null, integrationId: id });
        if (outcome === "unchanged") outcome = "updated";
      }
    }
  }
  if (typeof entry.searchEngine === "object" && def.search) {
    const wanted = entry.searchEngine.short.toLowerCase();
    const engine = await deps.db.selectFrom("searchEngines").select(["id", "name", "short"]).where("integrationId", "=", id).executeTakeFirst();
    if (engine && engine.short !== wanted) {
      const taken = await deps.db.selectFrom("searchEngines").select("id").where("short", "=", wanted).executeTakeFirst();
      if (taken) warn(`search engine short name "${wanted}" is used by another search engine; kept "${engine.short}"`);
      else {
        await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
          await trx.updateTable("searchEngines").set({ short: wanted }).where("id", "=", engine.id).execute();
          await record({ action: "searchEngine.update", target: { type: "searchEngine", id: engine.id, name: engine.name }, integrationId: id, changes: { short: { from: engine.short, to: wanted } } });
        });
      }
    }
  }
  if (entry.permissions) await applyPermissions(deps, caller, id, entry.permissions, warn);
  return outcome;
}

/** Replace-all of the declared principal type; unknown names are skipped with a warning; the creator keeps full. */
async function applyPermissions(
  deps: Deps,
  caller: Caller,
  id: string,
  perms: { users?: Record<string, LevelName>; groups?: Record<string, LevelName> },
  warn: (msg: string) => void,
) {
  if (perms.groups) {
    const names = Object.keys(perms.groups);
    const rows = names.length ? await deps.db.selectFrom("userGroups").select(["id", "name"]).where("name", "in", names).execute() : [];
    const byName = new Map(rows.map((r) => [r.name, r.id]));
    for (const n of names) if (!byName.has(n)) warn(`permissions.groups: there is no group "${n}"; its permission is skipped`);
    const permissions = names.filter((n) => byName.has(n)).map((n) => ({ principalId: byName.get(n)!, permission: perms.groups![n]! }));
    if (!(await samePermissions(deps, "group", id, permissions))) await savePermissions(deps, caller, "group", { entityId: id, permissions });
  }
  if (perms.users) {
    const names = Object.keys(perms.users);
    const rows = names.length ? await deps.db.selectFrom("users").select(["id", "username"]).where("username", "in", names).execute() : [];
    const byName = new Map(rows.map((r) => [r.username, r.id]));
    for (const n of names) if (!byName.has(n)) warn(`permissions.users: there is no user "${n}"; their permission is skipped`);
    const permissions = names.filter((n) => byName.has(n)).map((n) => ({ principalId: byName.get(n)!, permission: perms.users![n]! }));
    const row = await deps.db.selectFrom("integrations").select("createdBy").where("id", "=", id).executeTakeFirst();
    if (row?.createdBy) permissions.push({ principalId: row.createdBy, permission: "full" });
    if (!(await samePermissions(deps, "user", id, permissions))) await savePermissions(deps, caller, "user", { entityId: id, permissions });
  }
}

/**
 * Whether the stored rows already are `wanted` (duplicates collapsed to the highest level, as savePermissions
 * does): then nothing is written, and a restart leaves no audit entry for a change that did not happen.
 */
async function samePermissions(deps: Deps, principal: "user" | "group", id: string, wanted: { principalId: string; permission: LevelName }[]): Promise<boolean> {
  const want = new Map<string, number>();
  for (const p of wanted) want.set(p.principalId, Math.max(want.get(p.principalId) ?? 0, LEVELS[p.permission]));
  const rows =
    principal === "user"
      ? await deps.db.selectFrom("integrationUserPermissions").select(["userId as principalId", "level"]).where("integrationId", "=", id).execute()
      : await deps.db.selectFrom("integrationGroupPermissions").select(["groupId as principalId", "level"]).where("integrationId", "=", id).execute();
  return rows.length === want.size && rows.every((r) => want.get(r.principalId) === Number(r.level));
}
