import { MysqlAdapter, PostgresAdapter, sql, type Kysely, type Migration } from "kysely";

/**
 * The one migration list for every dialect. Only portable column types: varchar for anything indexed
 * (MySQL cannot index TEXT), text for long values, bigint epoch-millis for time, integer for levels.
 * Single-column primary keys also say notNull(): SQLite lets a non-INTEGER PRIMARY KEY hold NULL otherwise,
 * while PostgreSQL and MySQL imply NOT NULL (test/db/schema-parity.test.ts compares the three catalogs).
 * Never edit a migration that has shipped; add a new one.
 */
export const migrations: Record<string, Migration> = {
  "0001_initial": {
    async up(db: Kysely<any>) {
      const id = "varchar(64)";
      await db.schema
        .createTable("users")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("username", "varchar(64)", (c) => c.notNull().unique())
        .addColumn("email", "varchar(255)")
        .addColumn("name", "varchar(255)")
        .addColumn("image", "varchar(2048)")
        .addColumn("password_hash", "varchar(255)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("user_groups")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("name", "varchar(64)", (c) => c.notNull().unique())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("group_members")
        .addColumn("group_id", id, (c) => c.notNull())
        .addColumn("user_id", id, (c) => c.notNull())
        .addPrimaryKeyConstraint("group_members_pk", ["group_id", "user_id"])
        .addForeignKeyConstraint("group_members_group_id_fk", ["group_id"], "user_groups", ["id"], (fk) => fk.onDelete("cascade"))
        .addForeignKeyConstraint("group_members_user_id_fk", ["user_id"], "users", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("group_members_user_idx").on("group_members").columns(["user_id", "group_id"]).execute();

      await db.schema
        .createTable("group_permissions")
        .addColumn("group_id", id, (c) => c.notNull())
        .addColumn("permission", "varchar(64)", (c) => c.notNull())
        .addPrimaryKeyConstraint("group_permissions_pk", ["group_id", "permission"])
        .addForeignKeyConstraint("group_permissions_group_id_fk", ["group_id"], "user_groups", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();

      await db.schema
        .createTable("sessions")
        .addColumn("token_hash", "varchar(128)", (c) => c.primaryKey().notNull())
        .addColumn("user_id", id, (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addForeignKeyConstraint("sessions_user_id_fk", ["user_id"], "users", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("sessions_user_idx").on("sessions").column("user_id").execute();

      await db.schema
        .createTable("api_keys")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("user_id", id, (c) => c.notNull())
        .addColumn("name", "varchar(64)", (c) => c.notNull())
        .addColumn("token_hash", "varchar(128)", (c) => c.notNull().unique())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_used_at", "bigint")
        .addForeignKeyConstraint("api_keys_user_id_fk", ["user_id"], "users", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("api_keys_user_idx").on("api_keys").column("user_id").execute();

      await db.schema
        .createTable("apps")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("name", "varchar(127)", (c) => c.notNull())
        .addColumn("description", "varchar(512)")
        .addColumn("icon_url", "varchar(2048)", (c) => c.notNull())
        .addColumn("href", "varchar(2048)")
        .addColumn("ping_url", "varchar(2048)")
        .addColumn("created_by", id)
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addForeignKeyConstraint("apps_created_by_fk", ["created_by"], "users", ["id"], (fk) => fk.onDelete("set null"))
        .execute();

      await db.schema
        .createTable("integrations")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("name", "varchar(127)", (c) => c.notNull())
        .addColumn("kind", "varchar(32)", (c) => c.notNull())
        .addColumn("url", "varchar(2048)", (c) => c.notNull())
        .addColumn("app_id", id)
        .addColumn("created_by", id)
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addForeignKeyConstraint("integrations_app_id_fk", ["app_id"], "apps", ["id"], (fk) => fk.onDelete("set null"))
        .addForeignKeyConstraint("integrations_created_by_fk", ["created_by"], "users", ["id"], (fk) => fk.onDelete("set null"))
        .execute();
      await db.schema.createIndex("integrations_kind_idx").on("integrations").columns(["kind", "name"]).execute();

      await db.schema
        .createTable("integration_secrets")
        .addColumn("integration_id", id, (c) => c.notNull())
        .addColumn("kind", "varchar(16)", (c) => c.notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("integration_secrets_pk", ["integration_id", "kind"])
        .addForeignKeyConstraint("integration_secrets_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();

      await db.schema
        .createTable("integration_user_permissions")
        .addColumn("integration_id", id, (c) => c.notNull())
        .addColumn("user_id", id, (c) => c.notNull())
        .addColumn("level", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("integration_user_permissions_pk", ["integration_id", "user_id"])
        .addForeignKeyConstraint("integration_user_permissions_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .addForeignKeyConstraint("integration_user_permissions_user_id_fk", ["user_id"], "users", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema
        .createIndex("integration_user_permissions_user_idx")
        .on("integration_user_permissions")
        .columns(["user_id", "integration_id"])
        .execute();

      await db.schema
        .createTable("integration_group_permissions")
        .addColumn("integration_id", id, (c) => c.notNull())
        .addColumn("group_id", id, (c) => c.notNull())
        .addColumn("level", "integer", (c) => c.notNull())
        .addPrimaryKeyConstraint("integration_group_permissions_pk", ["integration_id", "group_id"])
        .addForeignKeyConstraint("integration_group_permissions_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .addForeignKeyConstraint("integration_group_permissions_group_id_fk", ["group_id"], "user_groups", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema
        .createIndex("integration_group_permissions_group_idx")
        .on("integration_group_permissions")
        .columns(["group_id", "integration_id"])
        .execute();

      await db.schema
        .createTable("search_engines")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("name", "varchar(127)", (c) => c.notNull())
        .addColumn("short", "varchar(32)", (c) => c.notNull().unique())
        .addColumn("icon_url", "varchar(2048)", (c) => c.notNull())
        .addColumn("type", "varchar(32)", (c) => c.notNull())
        .addColumn("url_template", "varchar(2048)")
        .addColumn("description", "varchar(512)")
        .addColumn("integration_id", id)
        .addColumn("created_by", id)
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addForeignKeyConstraint("search_engines_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .addForeignKeyConstraint("search_engines_created_by_fk", ["created_by"], "users", ["id"], (fk) => fk.onDelete("set null"))
        .execute();

      await db.schema
        .createTable("trusted_certificates")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("fingerprint256", "varchar(128)", (c) => c.notNull().unique())
        .addColumn("subject", "varchar(1024)", (c) => c.notNull())
        .addColumn("issuer", "varchar(1024)", (c) => c.notNull())
        .addColumn("valid_to", "varchar(64)", (c) => c.notNull())
        .addColumn("pem", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("settings")
        .addColumn("key", "varchar(64)", (c) => c.primaryKey().notNull())
        .addColumn("value", "text", (c) => c.notNull())
        .execute();

      // The built-in group that holds every user implicitly (no member rows needed).
      await db
        .insertInto("user_groups")
        .values({ id: "everyone", name: "everyone", created_at: 0 })
        .execute();
    },
  },
  "0002_session_idle_api_key_expiry": {
    // Both nullable, so rows written by older code stay valid: a session never seen since login counts from
    // its creation; a key without expiry never expires.
    async up(db: Kysely<any>) {
      await db.schema.alterTable("sessions").addColumn("last_seen_at", "bigint").execute();
      await db.schema.alterTable("api_keys").addColumn("expires_at", "bigint").execute();
    },
  },
  "0003_health": {
    // Health monitor and notifications (src/services/health.ts, src/services/notifications.ts).
    async up(db: Kysely<any>) {
      const id = "varchar(64)";
      // Current health: one row per integration, written by whichever instance checked last.
      await db.schema
        .createTable("integration_health")
        .addColumn("integration_id", id, (c) => c.primaryKey().notNull())
        .addColumn("status", "varchar(16)", (c) => c.notNull())
        .addColumn("checked_at", "bigint", (c) => c.notNull())
        .addColumn("latency_ms", "integer")
        .addColumn("version", "varchar(128)")
        .addColumn("code", "varchar(32)")
        .addColumn("message", "varchar(1024)")
        .addColumn("warning", "varchar(512)")
        .addColumn("failures", "integer", (c) => c.notNull())
        // 1 once "integration.failing" went out, so "recovered" follows only a notified failure.
        .addColumn("notified", "integer", (c) => c.notNull())
        // validTo of the certificate already announced as expiring (announced once per certificate).
        .addColumn("cert_notified", "varchar(64)")
        .addForeignKeyConstraint("integration_health_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();

      // State changes (kept 30 days).
      await db.schema
        .createTable("health_events")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("integration_id", id, (c) => c.notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("status", "varchar(16)", (c) => c.notNull())
        .addColumn("code", "varchar(32)")
        .addForeignKeyConstraint("health_events_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("health_events_integration_at_idx").on("health_events").columns(["integration_id", "at"]).execute();
      await db.schema.createIndex("health_events_at_idx").on("health_events").column("at").execute();

      // Hourly aggregates (kept 30 days): one row per integration and hour.
      await db.schema
        .createTable("health_hourly")
        .addColumn("integration_id", id, (c) => c.notNull())
        .addColumn("hour", "bigint", (c) => c.notNull())
        .addColumn("checks", "integer", (c) => c.notNull())
        .addColumn("failures", "integer", (c) => c.notNull())
        .addColumn("latency_sum", "bigint", (c) => c.notNull())
        .addPrimaryKeyConstraint("health_hourly_pk", ["integration_id", "hour"])
        .addForeignKeyConstraint("health_hourly_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("health_hourly_hour_idx").on("health_hourly").column("hour").execute();

      // The schedule and the lease in one row: an instance claims an integration by moving due_at forward
      // with a conditional UPDATE (… WHERE due_at <= now); only one instance can win it per interval.
      await db.schema
        .createTable("health_leases")
        .addColumn("integration_id", id, (c) => c.primaryKey().notNull())
        .addColumn("due_at", "bigint", (c) => c.notNull())
        .addColumn("owner", "varchar(64)")
        .addForeignKeyConstraint("health_leases_integration_id_fk", ["integration_id"], "integrations", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("health_leases_due_idx").on("health_leases").columns(["due_at", "integration_id"]).execute();

      // Notification targets: the URL (Discord/Slack webhook URLs carry their token) and the secret are sealed with the keyring.
      await db.schema
        .createTable("notification_targets")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("name", "varchar(127)", (c) => c.notNull())
        .addColumn("type", "varchar(16)", (c) => c.notNull())
        .addColumn("url", "text", (c) => c.notNull())
        .addColumn("secret", "text")
        .addColumn("events", "varchar(512)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .execute();

      await db.schema
        .createTable("notification_deliveries")
        .addColumn("id", id, (c) => c.primaryKey().notNull())
        .addColumn("target_id", id, (c) => c.notNull())
        .addColumn("event", "varchar(64)", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("status", "varchar(16)", (c) => c.notNull())
        .addColumn("attempts", "integer", (c) => c.notNull())
        .addColumn("response_status", "integer")
        .addColumn("error", "varchar(512)")
        .addColumn("finished_at", "bigint")
        .addForeignKeyConstraint("notification_deliveries_target_id_fk", ["target_id"], "notification_targets", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
      await db.schema.createIndex("notification_deliveries_target_idx").on("notification_deliveries").columns(["target_id", "created_at"]).execute();
    },
  },
  "0004_audit": {
    // The audit log (README "Audit log"). integration_id has no foreign key on purpose: an integration's
    // history outlives its deletion. Newest-first cursor pagination walks (at, id); each filter has an index
    // that ends in (at, id) so a filtered page is an index range too.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("audit_log")
        .addColumn("id", "varchar(64)", (c) => c.primaryKey().notNull())
        .addColumn("at", "bigint", (c) => c.notNull())
        .addColumn("actor_type", "varchar(16)", (c) => c.notNull())
        .addColumn("actor_id", "varchar(64)")
        .addColumn("actor_name", "varchar(255)", (c) => c.notNull())
        .addColumn("action", "varchar(64)", (c) => c.notNull())
        .addColumn("target_type", "varchar(32)")
        .addColumn("target_id", "varchar(255)")
        .addColumn("target_name", "varchar(255)")
        .addColumn("integration_id", "varchar(64)")
        .addColumn("ip", "varchar(64)")
        .addColumn("changes", "text")
        .addColumn("outcome", "varchar(8)", (c) => c.notNull())
        .execute();
      await db.schema.createIndex("audit_log_at_idx").on("audit_log").columns(["at", "id"]).execute();
      await db.schema.createIndex("audit_log_actor_idx").on("audit_log").columns(["actor_id", "at", "id"]).execute();
      await db.schema.createIndex("audit_log_integration_idx").on("audit_log").columns(["integration_id", "at", "id"]).execute();
      await db.schema.createIndex("audit_log_action_idx").on("audit_log").columns(["action", "at", "id"]).execute();
    },
  },
  "0005_dashboard_layouts": {
    // One row per user: the dashboard layout as JSON text (validated by src/services/dashboard.ts on the way
    // in and out), gone with the user.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("dashboard_layouts")
        .addColumn("user_id", "varchar(64)", (c) => c.primaryKey().notNull())
        .addColumn("layout", "text", (c) => c.notNull())
        .addColumn("updated_at", "bigint", (c) => c.notNull())
        .addForeignKeyConstraint("dashboard_layouts_user_id_fk", ["user_id"], "users", ["id"], (fk) => fk.onDelete("cascade"))
        .execute();
    },
  },
  "0006_search_index": {
    // integration.search matches "name contains" case-insensitively and returns names in order. A lower-cased
    // copy of the name (written by the services on every name write: searchName() in
    // src/services/search-name.ts) with an index on (name_lower, id) lets every dialect walk the names in
    // order, test the pattern on the index entry and stop once `limit` visible ones are found, instead of
    // joining the caller's permissions over all integrations first. varchar(255): lower-casing can lengthen
    // a name of 127 characters (İ → i̇). The default only exists because SQLite cannot add a NOT NULL column
    // without one; the row type makes every insert give the value.
    async up(db: Kysely<any>) {
      await db.schema.alterTable("integrations").addColumn("name_lower", "varchar(255)", (c) => c.notNull().defaultTo("")).execute();
      // Backfill with the same JavaScript lower-casing the services use (SQL lower() is ASCII-only on SQLite).
      const rows: { id: string; name: string }[] = await db.selectFrom("integrations").select(["id", "name"]).execute();
      for (const r of rows) {
        await db.updateTable("integrations").set({ name_lower: r.name.toLowerCase() }).where("id", "=", r.id).execute();
      }
      await db.schema.createIndex("integrations_name_lower_idx").on("integrations").columns(["name_lower", "id"]).execute();
    },
  },
  "0007_search_trigram": {
    // integration.search for a rare term: the name_lower walk of 0006 reads every name before the limit-th
    // visible match, i.e. most of the index when a term is rare. A trigram index finds the few names that
    // contain a term (of 3+ characters) directly. Only an accelerator: every answer is still filtered with
    // LIKE on integrations.name_lower, so a stale or missing entry could only cost speed, never a wrong result
    // (src/services/search-trigram.ts; test/db/search-plan.test.ts reads the plans).
    async up(db: Kysely<any>) {
      const adapter = db.getExecutor().adapter;
      if (adapter instanceof PostgresAdapter) {
        // pg_trgm ships with PostgreSQL (contrib; Debian's postgresql package has it) and is a trusted
        // extension since PostgreSQL 13: the database owner may create it. Where it is missing or refused the
        // search keeps walking the name index. A savepoint keeps a refusal from aborting the migration's
        // transaction.
        const available = await sql<{ n: number }>`select count(*)::int as n from pg_available_extensions where name = 'pg_trgm'`.execute(db);
        if (!available.rows[0]?.n) return;
        await sql`savepoint pg_trgm_ext`.execute(db);
        try {
          await sql`create extension if not exists pg_trgm`.execute(db);
          await sql`release savepoint pg_trgm_ext`.execute(db);
        } catch {
          await sql`rollback to savepoint pg_trgm_ext`.execute(db);
          return;
        }
        await sql`create index integrations_name_trgm_idx on integrations using gin (name_lower gin_trgm_ops)`.execute(db);
      } else if (adapter instanceof MysqlAdapter) {
        // MySQL/MariaDB have no trigram index (InnoDB FULLTEXT matches words, not substrings): the search
        // walks integrations_name_lower_idx there.
      } else {
        // SQLite: an FTS5 table with the trigram tokenizer (SQLite 3.34+; better-sqlite3 bundles a newer one),
        // kept in step by triggers. Its own content (id UNINDEXED): an external-content table would point at
        // integrations' rowid, which VACUUM may renumber. detail=none: only "which rows contain this
        // trigram" is needed. The trigram LIKE of FTS5 folds ASCII case; name_lower is lower-cased anyway.
        await sql`create virtual table integrations_name_trigram using fts5(id unindexed, name_lower, tokenize = 'trigram', detail = 'none')`.execute(db);
        await sql`insert into integrations_name_trigram (id, name_lower) select id, name_lower from integrations`.execute(db);
        await sql`create trigger integrations_name_trigram_ai after insert on integrations begin
          insert into integrations_name_trigram (id, name_lower) values (new.id, new.name_lower); end`.execute(db);
        await sql`create trigger integrations_name_trigram_au after update of name_lower, id on integrations begin
          delete from integrations_name_trigram where id = old.id;
          insert into integrations_name_trigram (id, name_lower) values (new.id, new.name_lower); end`.execute(db);
        await sql`create trigger integrations_name_trigram_ad after delete on integrations begin
          delete from integrations_name_trigram where id = old.id; end`.execute(db);
      }
    },
  },
  "0008_list_revisions": {
    // The integration lists are cached per instance (src/services/list-cache.ts) and must never show what the
    // database no longer says, on any instance. Two counters (rows), moved by triggers in the same
    // transaction as the write, whatever path writes (API, CLI, import, provisioning, another instance):
    // - `access`: every write to the tables the lists and the access rule read. A reader that finds it where
    //   its cached rows were taken knows they are exact. Deleting a user or group moves it too, because
    //   InnoDB runs foreign-key cascades without triggers.
    // - `health`: every insert or update of a health row, which also gets the new value as its `rev`. The
    //   counter row stays locked until the writer commits, so revs appear in commit order and a reader that
    //   saw `health` = h has every change once it has read the rows with rev > h.
    // Two rows, not two columns of one: deleting an integration (access) while its health is written must not
    // wait on the same row lock the other holds.
    async up(db: Kysely<any>) {
      await db.schema
        .createTable("list_revisions")
        .addColumn("name", "varchar(16)", (c) => c.primaryKey().notNull())
        .addColumn("n", "bigint", (c) => c.notNull())
        .addColumn("triggers", "integer", (c) => c.notNull())
        .execute();
      await db.insertInto("list_revisions").values([{ name: "access", n: 0, triggers: 0 }, { name: "health", n: 0, triggers: 0 }]).execute();
      await db.schema.alterTable("integration_health").addColumn("rev", "bigint", (c) => c.notNull().defaultTo(0)).execute();
      await db.schema.createIndex("integration_health_rev_idx").on("integration_health").column("rev").execute();
      const tables = ["integrations", "integration_user_permissions", "integration_group_permissions", "group_members", "user_groups", "users"];
      const events = [["ai", "insert"], ["au", "update"], ["ad", "delete"]] as const;
      const adapter = db.getExecutor().adapter;
      const bump = sql.raw("update list_revisions set n = n + 1 where name = 'access'");
      const bumpHealth = sql.raw("update list_revisions set n = n + 1 where name = 'health'");
      if (adapter instanceof PostgresAdapter) {
        await sql`create function patchbay_bump_access() returns trigger language plpgsql as $$ begin ${bump}; return null; end $$`.execute(db);
        for (const t of tables) {
          await sql`create trigger ${sql.raw(`${t}_access_rev`)} after insert or update or delete on ${sql.table(t)} for each statement execute function patchbay_bump_access()`.execute(db);
        }
        await sql`create function patchbay_health_rev() returns trigger language plpgsql as $$ begin ${bumpHealth} returning n into new.rev; return new; end $$`.execute(db);
        await sql`create trigger integration_health_rev before insert or update on integration_health for each row execute function patchbay_health_rev()`.execute(db);
      } else if (adapter instanceof MysqlAdapter) {
        // With binary logging on, MySQL/MariaDB refuse CREATE TRIGGER to a user without SUPER (unless
        // log_bin_trust_function_creators is set). Then the triggers are dropped again, `triggers` stays 0 and
        // the lists are read uncached (the server says so): slower, never stale.
        const created: string[] = [];
        const create = async (name: string, statement: ReturnType<typeof sql>) => {
          await statement.execute(db);
          created.push(name);
        };
        try {
          for (const t of tables) {
            for (const [suffix, event] of events) {
              const name = `${t}_access_rev_${suffix}`;
              await create(name, sql`create trigger ${sql.raw(name)} after ${sql.raw(event)} on ${sql.table(t)} for each row ${bump}`);
            }
          }
          for (const [suffix, event] of [["bi", "insert"], ["bu", "update"]] as const) {
            const name = `integration_health_rev_${suffix}`;
            await create(name, sql`create trigger ${sql.raw(name)} before ${sql.raw(event)} on integration_health for each row begin ${bumpHealth}; set new.rev = (select n from list_revisions where name = 'health'); end`);
          }
        } catch (e) {
          for (const name of created) await sql`drop trigger if exists ${sql.raw(name)}`.execute(db);
          if ((e as { errno?: number }).errno === 1419) return; // ER_BINLOG_CREATE_ROUTINE_NEED_SUPER
          throw e;
        }
      } else {
        for (const t of tables) {
          for (const [suffix, event] of events) {
            await sql`create trigger ${sql.raw(`${t}_access_rev_${suffix}`)} after ${sql.raw(event)} on ${sql.table(t)} begin ${bump}; end`.execute(db);
          }
        }
        // SQLite cannot change NEW in a trigger: the row is stamped right after it is written (one writer at a
        // time, so in commit order). Only changes of the health itself fire it, not the stamp.
        const stamp = sql.raw("update integration_health set rev = (select n from list_revisions where name = 'health') where integration_id = new.integration_id");
        await sql`create trigger integration_health_rev_ai after insert on integration_health begin ${bumpHealth}; ${stamp}; end`.execute(db);
        await sql`create trigger integration_health_rev_au after update of status, checked_at, latency_ms, version, code, message, warning on integration_health begin ${bumpHealth}; ${stamp}; end`.execute(db);
      }
      await db.updateTable("list_revisions").set({ triggers: 1 }).execute();
    },
  },
};
