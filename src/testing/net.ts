import net from "node:net";

/**
 * Loopback helpers shared by the test suites, the kinds' emulator/real-daemon harnesses and bench/ — the one
 * home of freePort, closedPort and waitHealthy.
 */

const handedOut = new Set<number>();

/** A free TCP port on 127.0.0.1 (bind port 0, read it, close). Ports handed out in this process are never reused. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await new Promise<number>((resolve, reject) => {
      const srv = net.createServer();
      srv.unref();
      srv.once("error", reject);
      srv.listen(0, "127.0.0.1", () => {
        const addr = srv.address();
        const p = typeof addr === "object" && addr ? addr.port : 0;
        srv.close(() => resolve(p));
      });
    });
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error("no free port found");
}

/** A loopback port nothing listens on (for CONNECTION_REFUSED tests): a free port nobody else is handed. */
export const closedPort = freePort;

export interface WaitHealthyOptions {
  timeoutMs: number;
  pollMs?: number;
  /** Called between polls: a text when the server can no longer come up (its process exited), which is thrown. */
  gone?: () => string | undefined | Promise<string | undefined>;
  /** Extra text for the timeout error (the server's output). */
  describe?: () => string | Promise<string>;
}

/** Polls `<url>/api/health` until it answers 200; returns the milliseconds it took. */
export async function waitHealthy(url: string, o: WaitHealthyOptions): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < o.timeoutMs) {
    const gone = await o.gone?.();
    if (gone) throw new Error(gone);
    try {
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return Date.now() - started;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, o.pollMs ?? 50));
  }
  throw new Error(`${url}: /api/health not 200 after ${o.timeoutMs} ms${o.describe ? `:\n${await o.describe()}` : ""}`);
}
