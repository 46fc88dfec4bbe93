import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { checkBinaries, findBinary, freePort, startDaemon, tempDir, versionLine, waitUntil, type Daemon } from "../testing/real-daemon.js";

/**
 * The real NZBGet (Debian's nzbget 21.0) on 127.0.0.1 with a fresh MainDir, the packaged example config,
 * fixed control credentials and no news server (docs/kinds.md, "Which real servers run locally"). Foreground server mode (`-s`).
 */
const BINARY = "nzbget";
const EXAMPLE_CONF = "/usr/share/doc/nzbget/examples/nzbget.conf.gz";

export interface RealNzbget {
  url: string;
  port: number;
  credentials: { username: string; password: string };
  /** e.g. "21.0", read from `nzbget -v`. */
  version: string;
  pid: number;
  mainDir: string;
  stop(): Promise<void>;
}

let ok: boolean | undefined;
export function available(): boolean {
  ok ??= checkBinaries([BINARY], ["nzbget"], "NZBGet") && exampleConfig();
  return ok;
}

function exampleConfig(): boolean {
  if (fs.existsSync(EXAMPLE_CONF)) return true;
  console.warn(`\n*** SKIPPED: NZBGet real-server tests: ${EXAMPLE_CONF} is missing (apt-get install --reinstall nzbget) ***\n`);
  return false;
}

export async function startNzbget(opts: { username?: string; password?: string; binary?: string } = {}): Promise<RealNzbget> {
  // `binary`: the nzbget to run (default: Debian's on PATH), so another release can be plugged in.
  const binary = opts.binary ?? findBinary(BINARY);
  if (!binary) throw new Error(`${BINARY} is not installed (apt-get install -y --no-install-recommends nzbget)`);
  const username = opts.username ?? "admin";
  const password = opts.password ?? "nzb-Secret-pw-4e1a";
  const version = versionLine(binary, ["-v"], /nzbget version: (\S+)/);
  const basic = "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
  let lastError: unknown;
  // A port picked with bind(0) can be taken by someone else before NZBGet binds it: retry with a new one.
  for (let attempt = 0; attempt < 3; attempt++) {
    const mainDir = tempDir("nzbget");
    const conf = path.join(mainDir, "nzbget.conf");
    fs.writeFileSync(conf, execFileSync("zcat", [EXAMPLE_CONF]));
    const port = await freePort();
    // prettier-ignore
    const args = [
      "-s", "-c", conf,
      "-o", `MainDir=${mainDir}`,
      "-o", "ControlIP=127.0.0.1", "-o", `ControlPort=${port}`,
      "-o", `ControlUsername=${username}`, "-o", `ControlPassword=${password}`,
      "-o", "Server1.Active=no", "-o", "UpdateCheck=none",
      "-o", "OutputMode=log",
    ];
    const daemon: Daemon = startDaemon(binary, args, { env: { HOME: mainDir } });
    const url = `http://127.0.0.1:${port}`;
    try {
      // Ready = a correct-credential JSON-RPC call answers.
      await waitUntil(
        async () => {
          const res = await fetch(`${url}/jsonrpc`, {
            method: "POST",
            headers: { authorization: basic, "content-type": "application/json" },
            body: JSON.stringify({ method: "version", params: [] }),
          });
          const body = (await res.json().catch(() => undefined)) as { result?: unknown } | undefined;
          return res.status === 200 && typeof body?.result === "string";
        },
        daemon,
        15_000,
        "nzbget JSON-RPC",
      );
    } catch (e) {
      lastError = e;
      await daemon.stop();
      fs.rmSync(mainDir, { recursive: true, force: true });
      continue;
    }
    return {
      url,
      port,
      credentials: { username, password },
      version,
      pid: daemon.pid,
      mainDir,
      async stop() {
        await daemon.stop(10_000);
        fs.rmSync(mainDir, { recursive: true, force: true });
      },
    };
  }
  throw lastError;
}
