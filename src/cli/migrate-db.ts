import { CommandError, openInstance, out, parse, required, UsageError, type Command } from "./common.js";

export const migrateDbCommand: Command = {
  name: "migrate-db",
  summary: "copy all data of this instance into another (empty) database",
  help: `Usage: patchbay migrate-db --to DATABASE_URL

Copies every row of the configured instance (usually the embedded SQLite in PATCHBAY_DATA_DIR) into the
database named by --to (postgres://… or mysql://…), in one transaction, then decrypts every secret once
to prove it arrived intact. The target must be empty. Secrets are copied encrypted: start the new instance
with DATABASE_URL set to the target and the same encryption key (SECRET_ENCRYPTION_KEY, or the key file).
Stop the running instance first, so nothing is written during the copy.

Options:
  --to DATABASE_URL      the target database`,
  async run(argv) {
    const { values } = parse("migrate-db", argv, { to: { type: "string" } });
    const to = required("migrate-db", values.to, "--to");
    if (!/^(postgres(ql)?|mysql|mariadb|sqlite|file):/.test(to)) {
      throw new UsageError("--to must be a postgres://, mysql:// or sqlite: URL", "migrate-db");
    }
    const [{ openDatabase }, { copyDatabase, MigrateDbError }] = await Promise.all([import("../db/index.js"), import("../services/migrate-db.js")]);
    const source = await openInstance({ mustExist: true });
    let target: Awaited<ReturnType<typeof openDatabase>> | undefined;
    try {
      target = await openDatabase(to, source.config.dataDir);
      const res = await copyDatabase(source.db, target.db, source.keyring, (line) => out(line));
      out(`copied ${res.counts.integrations ?? 0} integrations; ${res.verifiedSecrets} secrets verified with this key`);
      out("NEXT STEP: start Patchbay with DATABASE_URL set to the target and the same encryption key.");
      return 0;
    } catch (e) {
      if (e instanceof MigrateDbError) throw new CommandError(e.message);
      throw new CommandError(`the copy failed and nothing was committed to the target: ${(e as Error).message}`);
    } finally {
      await target?.db.destroy();
      await source.close();
    }
  },
};
