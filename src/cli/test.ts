import { openInstance, out, parse, UsageError, type Command } from "./common.js";

export const testCommand: Command = {
  name: "test",
  summary: "run the connection test of a stored integration",
  help: `Usage: patchbay test <integration-id | name> [--json]

Runs the connection test of a stored integration with its stored secrets (the same test as
integration.testConnection) and prints the verdict. Exit code 0 when it passes, 1 when it fails.
A name matches case-insensitively; when several integrations share it, use the id.

Options:
  --json   print the result as JSON: {"ok":true,"version":…} or {"ok":false,"error":{code,message,…}}`,
  async run(argv) {
    const { values, positionals } = parse("test", argv, { json: { type: "boolean" } }, true);
    if (positionals.length !== 1) throw new UsageError(positionals.length ? "give exactly one integration id or name" : "missing the integration id or name", "test");
    // Loaded only when the command runs: `--help` stays fast.
    const [{ testConnection }, { findIntegration, hostOperator }] = await Promise.all([import("../services/integrations.js"), import("../services/operator.js")]);
    const deps = await openInstance({ mustExist: true });
    try {
      const row = await findIntegration(deps, positionals[0]!);
      const result = await testConnection(deps, hostOperator(), { id: row.id });
      if (values.json) out(JSON.stringify({ integration: row, ...result }));
      else if (result.ok) out(`OK      ${row.name} (${row.kind}, ${row.url})${result.version ? ` — version ${result.version}` : ""}`);
      else out(`FAILED  ${row.name} (${row.kind}, ${row.url}): ${result.error.code} — ${result.error.message}`);
      return result.ok ? 0 : 1;
    } finally {
      await deps.close();
    }
  },
};
