import type { FastifyInstance } from "fastify";
import type { Logger } from "pino";

/** The line a clean stop ends with (container logs, `podman stop`, systemd): tests and operators look for it. */
export const CLEAN_SHUTDOWN_LINE = "shut down cleanly";

/**
 * SIGTERM/SIGINT (`docker stop`, Ctrl-C, systemd): stop accepting connections, let requests in flight finish,
 * close the database (SQLite's WAL is checkpointed into the main file, see src/server/start.ts), then exit 0
 * with one clear log line. A close that hangs past `graceMs` exits with 1 — container engines kill after 10 s
 * anyway, and a stop should never look like a hang. Repeated signals are ignored: under `npm start` the same
 * Ctrl-C/SIGTERM arrives twice (from the terminal or process group, and forwarded by npm).
 */
export function stopOnSignals(app: FastifyInstance, log: Logger, graceMs = 4000): void {
  let stopping = false;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, "shutting down");
      setTimeout(() => {
        log.error(`shutdown did not finish within ${graceMs} ms; exiting without waiting`);
        process.exit(1);
      }, graceMs).unref();
      app.close().then(
        () => {
          log.info(CLEAN_SHUTDOWN_LINE);
          process.exit(0);
        },
        (err: unknown) => {
          log.error({ err: err instanceof Error ? err.message : String(err) }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
}
