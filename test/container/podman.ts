import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { waitHealthy as waitHealthyAt } from "../../src/testing/net.js";
import { ROOT } from "../helpers/process.js";

/**
 * podman through scripts/container-test.sh (this machine's runtime and containers.conf, one place), and the
 * translation of a compose service into the equivalent `podman run` — the compose files themselves are read,
 * so what the test runs cannot drift from what users run.
 */
const SCRIPT = path.join(ROOT, "scripts", "container-test.sh");

/** Why the container tests cannot run here (undefined when they can); announced loudly. */
export function podmanMissing(): string | undefined {
  const missing = ["podman", "runc", "debootstrap"].filter((c) => spawnSync("sh", ["-c", `command -v ${c}`]).status !== 0);
  if (!missing.length) return undefined;
  const why = `container tests: ${missing.join(", ")} not installed (apt-get install -y podman runc debootstrap)`;
  console.warn(`\n*** SKIPPED: ${why} ***\n`);
  return why;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function script(args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<Result> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [SCRIPT, ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`container-test.sh ${args.join(" ")}: no answer after ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

export const podman = (args: string[], timeoutMs?: number) => script(["podman", ...args], {}, timeoutMs);

/** podman that must succeed; its stdout, trimmed. */
export async function podmanOk(args: string[], timeoutMs?: number): Promise<string> {
  const r = await podman(args, timeoutMs);
  if (r.code !== 0) throw new Error(`podman ${args.join(" ")} exited with ${r.code}:\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

export interface ComposeService {
  image: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  secrets?: string[];
  ports?: string[];
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
  secrets?: Record<string, { file: string }>;
  volumes?: Record<string, unknown>;
}

export function readCompose(file: string): ComposeFile {
  return YAML.parse(fs.readFileSync(path.join(ROOT, file), "utf8"), { merge: true }) as ComposeFile;
}

export interface RunOptions {
  /** Container name; also the prefix of its volumes and secrets, so parallel runs never share them. */
  name: string;
  prefix: string;
  /** Host networking here (no port publishing): PORT/HOST go into the environment instead. */
  env: Record<string, string>;
  /** Compose host names (redis:6379) → where those services listen on this machine. */
  hosts?: Record<string, string>;
  image?: string;
}

/** `podman run -d` arguments equivalent to a compose service (image, environment, named volumes, secrets). */
export function runArgs(svc: ComposeService, o: RunOptions): string[] {
  const args = ["run", "-d", "--name", o.name, "--network", "host"];
  const env = { ...svc.environment, ...o.env };
  for (const [k, v] of Object.entries(env)) {
    let value = String(v);
    for (const [from, to] of Object.entries(o.hosts ?? {})) value = value.replaceAll(from, to);
    args.push("-e", `${k}=${value}`);
  }
  for (const v of svc.volumes ?? []) {
    const [source, target] = v.split(":");
    args.push("-v", `${o.prefix}-${source}:${target}`);
  }
  // Compose mounts secret NAME at /run/secrets/NAME, as podman's --secret does with target=NAME.
  for (const s of svc.secrets ?? []) args.push("--secret", `${o.prefix}-${s},target=${s}`);
  args.push(o.image ?? svc.image);
  return args;
}

/** Polls /api/health until it answers 200 (or the container exits); milliseconds it took. */
export function waitHealthy(url: string, container: string, timeoutMs: number): Promise<number> {
  let checked = Date.now();
  return waitHealthyAt(url, {
    timeoutMs,
    // Asking podman costs a process: once a second.
    gone: async () => {
      if (Date.now() - checked < 1000) return undefined;
      checked = Date.now();
      const state = await podman(["inspect", "--format", "{{.State.Status}}", container]);
      return state.stdout.trim() === "exited" ? `${container} exited:\n${await logs(container)}` : undefined;
    },
    describe: () => logs(container),
  });
}

/** What the container wrote (pino logs on stdout, start-up refusals on stderr). */
export async function logs(container: string): Promise<string> {
  const r = await podman(["logs", container]);
  return r.stdout + r.stderr;
}
