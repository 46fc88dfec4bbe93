import { z } from "zod";
import { openInstance, out, parse, valid, type Command } from "./common.js";

const since = z
  .string()
  .trim()
  .refine((v) => !Number.isNaN(Date.parse(v)), "is not a date (ISO 8601, e.g. 2026-01-31 or 2026-01-31T12:00:00Z)")
  .transform((v) => new Date(v));

export const auditExportCommand: Command = {
  name: "audit export",
  summary: "write the audit log as JSON lines to standard output",
  help: `Usage: patchbay audit export [--since DATE]

Writes every audit entry (oldest first) as one JSON object per line to standard output:
{"id","at","actor":{"type","id","name"},"action","target","ip","changes","outcome","integrationId"}.
Entries never hold a secret value. Entries older than PATCHBAY_AUDIT_RETENTION_DAYS (default 365) have been
pruned by the server.

Options:
  --since DATE   only entries at or after DATE (ISO 8601: 2026-01-31 or 2026-01-31T12:00:00Z)`,
  async run(argv) {
    const { values } = parse("audit export", argv, { since: { type: "string" } });
    const from = values.since === undefined ? undefined : valid("audit export", since, values.since, "--since");
    const { exportAudit } = await import("../services/audit.js");
    const deps = await openInstance({ mustExist: true });
    try {
      for await (const entry of exportAudit(deps.db, from)) out(JSON.stringify(entry));
      return 0;
    } finally {
      await deps.close();
    }
  },
};
