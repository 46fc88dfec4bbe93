import { spawn, spawnSync } from "node:child_process";
import { canConnect } from "../../src/kinds/testing/real-daemon.js";
import { freePort } from "./process.js";

export function redisAvailable(): boolean {
  const ok = spawnSync("redis-server", ["--version"]).status === 0;
  if (!ok) {
    if (process.env.PATCHBAY_REQUIRE_REAL_SERVERS === "1") throw new Error("redis-server not installed (apt-get install redis-server)");
    console.warn("\n*** SKIPPED: Redis-backed tests: redis-server not installed (apt-get install -y redis-server) ***\n");
  }
  return ok;
}

/** A throwaway Redis on loopback without persistence, stopped by its PID. */
export async function startRedis(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const started = Date.now();
  while (!(await canConnect(port))) {
    if (Date.now() - started > 10_000) throw new Error("redis-server did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    },
  };
}
