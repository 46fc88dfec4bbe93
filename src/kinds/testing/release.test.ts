import fs from "node:fs";
import { describe, expect, it } from "vitest";
import { freePort, waitForPort } from "./real-daemon.js";
import { releaseAvailable, releases } from "./release.js";

/** The two real-server releases start a daemon on this machine's loopback and stop it by its PID. */
describe.each(releases.map((r) => [r.label, r] as const))("%s daemons", (_label, release) => {
  it.skipIf(!releaseAvailable(release, ["aria2c"], "release harness"))("runs aria2c on 127.0.0.1 and stops it by PID", async () => {
    const dir = release.tempDir("aria2-release");
    const port = await freePort();
    const version = release.versionLine("aria2c", ["--version"], /aria2 version (\d+\.\d+\.\d+)/);
    const daemon = release.start("aria2c", [
      "--enable-rpc", "--rpc-listen-all=false", `--rpc-listen-port=${port}`, "--rpc-secret=release-test",
      `--dir=${release.guestPath(dir)}`, "--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
    ]);
    try {
      await waitForPort(port, daemon, 15_000, "aria2c");
      const res = await fetch(`http://127.0.0.1:${port}/jsonrpc`, {
        method: "POST",
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "aria2.getVersion", params: ["token:release-test"] }),
      });
      expect(((await res.json()) as { result: { version: string } }).result.version).toBe(version);
    } finally {
      await daemon.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(() => process.kill(daemon.pid, 0)).toThrow();
  });
});
