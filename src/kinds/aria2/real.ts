import { availability, launchDaemon, type RealDaemon } from "../testing/launch.js";
import type { DaemonRelease } from "../testing/release.js";

/**
 * The real aria2 (Debian's aria2 1.36.0) with only its JSON-RPC interface on 127.0.0.1, a fixed RPC secret,
 * no DHT/LPD/peer exchange and no user config file (docs/kinds.md, "Which real servers run locally"). Nothing is downloaded.
 */
const BINARY = "aria2c";

export interface RealAria2 extends RealDaemon {
  /** The --rpc-secret; undefined when started without one. */
  credentials: { token: string | undefined };
  dir: string;
}

export const available = availability([BINARY], ["aria2"], "aria2");

/** `token: null` starts aria2 without an RPC secret (its default), where every token is accepted. */
export async function startAria2(opts: { token?: string | null; release?: DaemonRelease } = {}): Promise<RealAria2> {
  const token = opts.token === null ? undefined : (opts.token ?? "aria2-Secret-tok-5b9c");
  const a2 = await launchDaemon({
    binary: BINARY,
    release: opts.release,
    version: [["--version"], /aria2 version (\S+)/],
    name: "aria2",
    // prettier-ignore
    setup: ({ dir, guest, ports: [port] }) => [
      "--no-conf", "--enable-rpc", "--rpc-listen-all=false", `--rpc-listen-port=${port}`,
      ...(token !== undefined ? [`--rpc-secret=${token}`] : []),
      `--dir=${guest(dir)}`,
      "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
      "--check-certificate=true", "--quiet=true",
    ],
    // No `ready`: TCP connect only — a probe with a wrong token would be a side effect, and aria2 needs no warm-up.
  });
  return { ...a2, credentials: { token } };
}
