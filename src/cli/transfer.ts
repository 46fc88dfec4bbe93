import fs from "node:fs";
import { CommandError, err, openInstance, out, parse, readSecretFile, readTextFile, required, type Command } from "./common.js";

export const exportCommand: Command = {
  name: "export",
  summary: "write integrations, apps, permissions and search engines to an encrypted JSON file",
  help: `Usage: patchbay export --out FILE --passphrase-file FILE [--force]

Writes every integration (with its secrets and its user and group permissions), app, search engine and
trusted certificate to a JSON document. Secrets are encrypted with AES-256-GCM under a key derived from the
passphrase (scrypt, random salt); no secret is ever written in plaintext, and an integrity check refuses a
file that was edited. Users and groups are referred to by name. The file is created with mode 0600.

Options:
  --out FILE               where to write the export
  --passphrase-file FILE   the passphrase (at least 12 characters; one trailing newline ignored)
  --force                  overwrite FILE if it exists`,
  async run(argv) {
    const { values } = parse("export", argv, { out: { type: "string" }, "passphrase-file": { type: "string" }, force: { type: "boolean" } });
    const file = required("export", values.out, "--out");
    const passphrase = readSecretFile(required("export", values["passphrase-file"], "--passphrase-file"), "passphrase file");
    if (fs.existsSync(file) && !values.force) throw new CommandError(`${file} exists; use --force to overwrite it`);
    const [{ exportInstance }, { writeFileAtomic }] = await Promise.all([import("../services/transfer.js"), import("../services/key-rotation.js")]);
    const deps = await openInstance({ mustExist: true });
    try {
      const { document, counts } = await exportInstance(deps, passphrase);
      writeFileAtomic(file, JSON.stringify(document, null, 2) + "\n");
      out(
        `exported ${counts.integrations} integration(s) with ${counts.secrets} encrypted secret(s), ${counts.apps} app(s), ` +
          `${counts.searchEngines} search engine(s), ${counts.trustedCertificates} trusted certificate(s) to ${file}`,
      );
      return 0;
    } finally {
      await deps.close();
    }
  },
};

export const importCommand: Command = {
  name: "import",
  summary: "read an export into this instance (one transaction, idempotent)",
  help: `Usage: patchbay import --in FILE --passphrase-file FILE

Reads a file written by \`patchbay export\` into this instance in one transaction: integrations, apps and
search engines are created or updated by id (importing the same file twice changes nothing), secrets are
re-encrypted under this instance's key, and permissions are matched to users and groups by name. Missing
groups are created (without global permissions); permissions of users that do not exist here are skipped
and listed. A wrong passphrase, a damaged or edited file, or an unknown integration kind imports nothing.
The integrations are not connection-tested on import: run \`patchbay test <name>\` afterwards.

Options:
  --in FILE                the export file
  --passphrase-file FILE   the passphrase the export was written with`,
  async run(argv) {
    const { values } = parse("import", argv, { in: { type: "string" }, "passphrase-file": { type: "string" } });
    const text = readTextFile(required("import", values.in, "--in"), "the export file");
    const passphrase = readSecretFile(required("import", values["passphrase-file"], "--passphrase-file"), "passphrase file");
    const { importInstance } = await import("../services/transfer.js");
    const deps = await openInstance({ mustExist: false });
    try {
      const r = await importInstance(deps, text, passphrase);
      out(
        `imported: integrations ${r.integrations.created} created, ${r.integrations.updated} updated; ` +
          `apps ${r.apps.created} created, ${r.apps.updated} updated; search engines ${r.searchEngines.created} created, ${r.searchEngines.updated} updated; ` +
          `${r.trustedCertificatesAdded} trusted certificate(s) added` +
          (r.groupsCreated.length ? `; groups created: ${r.groupsCreated.join(", ")}` : ""),
      );
      for (const w of r.warnings) err(`warning: ${w}`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};
