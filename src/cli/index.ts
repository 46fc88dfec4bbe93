import { adminCreate } from "./admin.js";
import { auditExportCommand } from "./audit.js";
import { busyDatabase, CLI_BUSY_TIMEOUT_MS, err, isKnownFailure, out, UsageError, type Command } from "./common.js";
import { migrateDbCommand } from "./migrate-db.js";
import { rotateKeyCommand } from "./secrets.js";
import { serve } from "./serve.js";
import { testCommand } from "./test.js";
import { exportCommand, importCommand } from "./transfer.js";
import { userResetPassword } from "./user.js";

/**
 * `patchbay`: the operator's command line. Thin: it parses arguments (node:util parseArgs), opens the
 * configured instance with the server's environment variables, and calls the services.
 * Exit codes: 0 success, 1 the command failed, 2 wrong usage.
 */
const commands: Command[] = [serve, adminCreate, userResetPassword, rotateKeyCommand, exportCommand, importCommand, testCommand, migrateDbCommand, auditExportCommand];

const usage = `Usage: patchbay <command> [options]

Commands:
${commands.map((c) => `  ${c.name.padEnd(22)}${c.summary}`).join("\n")}

Every command reads the server's configuration from the same environment variables (PATCHBAY_DATA_DIR,
DATABASE_URL, SECRET_ENCRYPTION_KEY, SECRET_ENCRYPTION_KEY_FILE, SECRET_ENCRYPTION_PREVIOUS_KEYS, …).
Run \`patchbay <command> --help\` for the options of a command.
Exit codes: 0 success, 1 the command failed, 2 wrong usage.`;

/** The command named by the first one or two words, and the remaining arguments. */
function resolve(argv: string[]): { command?: Command; rest: string[]; group?: string } {
  const two = commands.find((c) => c.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = commands.find((c) => c.name === argv[0]);
  if (one) return { command: one, rest: argv.slice(1) };
  const group = commands.some((c) => c.name.startsWith(`${argv[0]} `)) ? argv[0] : undefined;
  return { rest: argv.slice(1), group };
}

export async function main(argv: string[]): Promise<number | "running"> {
  if (!argv.length || argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help") {
    const topic = argv[0] === "help" ? resolve(argv.slice(1)).command : undefined;
    out(topic ? topic.help : usage);
    return argv.length ? 0 : 2;
  }
  const { command, rest, group } = resolve(argv);
  try {
    if (!command) {
      if (group) {
        const subs = commands.filter((c) => c.name.startsWith(`${group} `));
        const sub = argv[1];
        if (!sub || sub === "--help" || sub === "-h") {
          out(`Usage:\n${subs.map((c) => `  patchbay ${c.name.padEnd(22)}${c.summary}`).join("\n")}`);
          return sub ? 0 : 2;
        }
        throw new UsageError(`unknown command "${group} ${sub}"; ${group} has: ${subs.map((c) => c.name.split(" ")[1]).join(", ")}`);
      }
      throw new UsageError(`unknown command "${argv[0]}"`);
    }
    if (rest.includes("--help") || rest.includes("-h")) {
      out(command.help);
      return 0;
    }
    return await command.run(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      err(`patchbay${e.command ? ` ${e.command}` : ""}: ${e.message}`);
      err(`Run \`patchbay ${e.command ?? ""}${e.command ? " " : ""}--help\` for usage.`);
      return 2;
    }
    if (isKnownFailure(e)) {
      err(`patchbay ${command?.name ?? ""}: ${e.message}`);
      return 1;
    }
    if (busyDatabase(e)) {
      err(`patchbay ${command?.name ?? ""}: the database stayed locked by another process (the server writing?) for more than ${CLI_BUSY_TIMEOUT_MS / 1000} s; try again`);
      return 1;
    }
    err(`patchbay ${command?.name ?? ""}: unexpected error: ${(e as Error)?.stack ?? String(e)}`);
    return 1;
  }
}

const code = await main(process.argv.slice(2));
if (code !== "running") {
  // process.exit() drops what is still queued for a pipe whose reader is slower than we write (the tail of
  // `patchbay audit export | gzip` was lost): wait until stdout and stderr have handed everything over.
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise<void>((r) => s.write("", () => r()))));
  process.exit(code);
}
