import fs from "node:fs";
import path from "node:path";
import readline from "node:readline/promises";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { ZodError, type ZodType } from "zod";
import { password } from "../services/inputs.js";
import { passwordProblem } from "../auth/password-policy.js";
import { ConfigError, loadConfig, type Config } from "../config.js";
import { KeyError } from "../crypto/keyring.js";
import type { Deps } from "../services/deps.js";
import { DomainError, OperatorError } from "../services/errors.js";

/** Wrong usage (unknown command or option, missing or malformed flag): exit code 2 and a pointer to --help. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}
/** The command could not do its job (wrong passphrase, failed connection test, …): exit code 1. */
export class CommandError extends Error {}

export interface Command {
  /** "secrets rotate-key" */
  name: string;
  summary: string;
  help: string;
  run(argv: string[]): Promise<number | "running">;
}

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Integration ids are random base64url, so one in 64 starts with "-" (`patchbay test -Xb3…`). Where a
 * command takes positionals, an argument with one leading dash that is not a cluster of the command's short
 * flags is such a value, not an option: it is passed after "--" so parseArgs keeps it as a positional.
 */
function dashValuesAsPositionals(argv: string[], options: Options): string[] {
  const shorts = new Set(Object.values(options).flatMap((o) => (o.short ? [o.short] : [])));
  const end = argv.indexOf("--");
  const head = end === -1 ? argv : argv.slice(0, end);
  const tail = end === -1 ? [] : argv.slice(end + 1);
  const isValue = (a: string) => /^-[^-]/.test(a) && ![...a.slice(1)].every((c) => shorts.has(c));
  const values = head.filter(isValue);
  if (!values.length) return argv;
  return [...head.filter((a) => !isValue(a)), "--", ...values, ...tail];
}

/** node:util parseArgs with --help and errors turned into UsageError. */
export function parse<O extends Options>(command: string, argv: string[], options: O, allowPositionals = false) {
  const all = { ...options, help: { type: "boolean", short: "h" } } as const;
  try {
    return parseArgs({ args: allowPositionals ? dashValuesAsPositionals(argv, all) : argv, options: all, allowPositionals, strict: true });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code?.startsWith("ERR_PARSE_ARGS")) throw new UsageError(err.message.replace(/\. To specify a positional argument.*$/s, ""), command);
    throw e;
  }
}

export function required(command: string, value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing ${flag}`, command);
  return value;
}

/** Validates a value with one of the API's schemas, so the CLI accepts exactly what the API accepts. */
export function valid<T>(command: string, schema: ZodType<T>, value: unknown, flag: string): T {
  try {
    return schema.parse(value);
  } catch (e) {
    if (e instanceof ZodError) throw new UsageError(`${flag} ${e.issues.map((i) => i.message).join("; ")}`, command);
    throw e;
  }
}

/** A new password for `username` under the password policy (src/auth/password-policy.ts), else wrong usage. */
export function validPassword(command: string, value: string, username: string): string {
  const pw = valid(command, password, value, "the password");
  const problem = passwordProblem(pw, username);
  if (problem) throw new UsageError(`the password ${problem}`, command);
  return pw;
}

export const out = (line = "") => process.stdout.write(line + "\n");
export const err = (line = "") => process.stderr.write(line + "\n");

export function readTextFile(file: string, what: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new CommandError(`cannot read ${what} ${file}: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message}`);
  }
}

/** A passphrase or password file: its content without the one trailing newline editors and `echo` add. */
export function readSecretFile(file: string, what: string): string {
  const value = readTextFile(file, what).replace(/\r?\n$/, "");
  if (!value) throw new CommandError(`${what} ${file} is empty`);
  return value;
}

async function promptHidden(question: string): Promise<string> {
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr, terminal: true });
  const write = (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput.bind(rl);
  // Echo the question, not what is typed.
  (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
    if (s.startsWith(question)) write(question);
  };
  try {
    return await rl.question(question);
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}

async function readStdinLine(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
}

/** A new password from --password, --password-file, an interactive prompt (asked twice) or the first line of stdin. */
export async function newPassword(command: string, values: { password?: string; "password-file"?: string }): Promise<string> {
  if (values.password !== undefined && values["password-file"] !== undefined) throw new UsageError("give either --password or --password-file, not both", command);
  if (values.password !== undefined) return values.password;
  if (values["password-file"] !== undefined) return readSecretFile(values["password-file"], "password file");
  if (process.stdin.isTTY) {
    const first = await promptHidden("New password: ");
    const second = await promptHidden("Repeat the password: ");
    if (first !== second) throw new CommandError("the two passwords differ");
    return first;
  }
  const line = await readStdinLine();
  if (!line) throw new UsageError("missing --password (or --password-file, or the password on standard input)", command);
  return line;
}

/** The configuration of the server (same environment variables). */
export function cliConfig(): Config {
  try {
    // No provisioning (only `serve` provisions) and no Redis (login limits do not concern the CLI).
    return { ...loadConfig(process.env), provisionFile: undefined, redisUrl: undefined };
  } catch (e) {
    if (e instanceof ConfigError) throw new CommandError(e.message);
    throw e;
  }
}

/**
 * Opens the configured instance like the server does (migrations, key check) with a quiet logger.
 * `mustExist`: refuse an embedded data dir without a database, instead of silently creating an empty one.
 */
export async function openInstance(opts: { mustExist: boolean; config?: Config }): Promise<Deps> {
  const config = opts.config ?? cliConfig();
  const embedded = !config.databaseUrl;
  const dbFile = path.join(config.dataDir, "patchbay.db");
  if (opts.mustExist && embedded && !fs.existsSync(dbFile)) {
    throw new CommandError(`there is no Patchbay database in ${config.dataDir}; set PATCHBAY_DATA_DIR (or DATABASE_URL) to the instance's`);
  }
  const keyFile = path.join(config.dataDir, "secret.key");
  const generates = !config.encryptionKeyHex && !config.encryptionKeyFile && !fs.existsSync(keyFile);
  // Loaded on demand: --help and usage errors stay fast.
  const [{ createDeps }, { default: pino }] = await Promise.all([import("../server/start.js"), import("pino")]);
  const log = pino({ level: process.env.PATCHBAY_CLI_LOG_LEVEL || "error" }, pino.destination(2));
  try {
    const deps = await createDeps(config, log);
    // The server may hold SQLite's write lock (a burst of writes, a long import): an operator command waits
    // for it longer than a request does (src/db/index.ts sets 5 s) instead of failing.
    if (deps.dialect === "sqlite") {
      const { sql } = await import("kysely");
      await sql`PRAGMA busy_timeout = ${sql.raw(String(CLI_BUSY_TIMEOUT_MS))}`.execute(deps.db);
    }
    if (generates) err(`generated a new encryption key in ${keyFile}; back it up together with the database`);
    return deps;
  } catch (e) {
    if (e instanceof KeyError || e instanceof ConfigError) throw new CommandError(e.message);
    throw e;
  }
}

export const CLI_BUSY_TIMEOUT_MS = 30_000;

/** SQLite still locked after the wait (and the transaction retries): a clear message, not a stack trace. */
export function busyDatabase(e: unknown): boolean {
  return typeof (e as { code?: unknown })?.code === "string" && (e as { code: string }).code.startsWith("SQLITE_BUSY");
}

/** Refusals with a message for the operator, printed without a stack trace (a service's domain error included). */
export function isKnownFailure(e: unknown): e is Error {
  return e instanceof CommandError || e instanceof OperatorError || e instanceof DomainError;
}
