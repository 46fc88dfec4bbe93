import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { availability, launchDaemon, type RealDaemon } from "../testing/launch.js";
import type { DaemonRelease } from "../testing/release.js";

/**
 * The real NZBGet (Debian's nzbget 21.0) on 127.0.0.1 with a fresh MainDir, the packaged example config,
 * fixed control credentials and no news server (docs/kinds.md, "Which real servers run locally"). Foreground server mode (`-s`).
 */
const BINARY = "nzbget";
const EXAMPLE_CONF = "/usr/share/doc/nzbget/examples/nzbget.conf.gz";

export interface RealNzbget extends RealDaemon {
  credentials: { username: string; password: string };
  mainDir: string;
}

export const available = availability([BINARY], ["nzbget"], "NZBGet", () => {
  if (fs.existsSync(EXAMPLE_CONF)) return true;
  console.warn(`\n*** SKIPPED: NZBGet real-server tests: ${EXAMPLE_CONF} is missing (apt-get install --reinstall nzbget) ***\n`);
  return false;
});

export async function startNzbget(opts: { username?: string; password?: string; release?: DaemonRelease } = {}): Promise<RealNzbget> {
  const username = opts.username ?? "admin";
  const password = opts.password ?? "nzb-Secret-pw-4e1a";
  const basic = "Basic " + Buffer.from(`${username}:${password}`).toString("base64");
  const nz = await launchDaemon({
    binary: BINARY,
    release: opts.release,
    version: [["-v"], /nzbget version: (\S+)/],
    name: "nzbget",
    setup({ dir, guest, ports: [port] }) {
      const conf = path.join(dir, "nzbget.conf");
      fs.writeFileSync(conf, execFileSync("zcat", [EXAMPLE_CONF]));
      // prettier-ignore
      return [
        "-s", "-c", guest(conf),
        "-o", `MainDir=${guest(dir)}`,
        "-o", "ControlIP=127.0.0.1", "-o", `ControlPort=${port}`,
        "-o", `ControlUsername=${username}`, "-o", `ControlPassword=${password}`,
        "-o", "Server1.Active=no", "-o", "UpdateCheck=none",
        "-o", "OutputMode=log",
      ];
    },
    // Ready = a correct-credential JSON-RPC call answers.
    async ready(url) {
      const res = await fetch(`${url}/jsonrpc`, {
        method: "POST",
        headers: { authorization: basic, "content-type": "application/json" },
        body: JSON.stringify({ method: "version", params: [] }),
      });
      const body = (await res.json().catch(() => undefined)) as { result?: unknown } | undefined;
      return res.status === 200 && typeof body?.result === "string";
    },
  });
  return { ...nz, credentials: { username, password }, mainDir: nz.dir };
}
