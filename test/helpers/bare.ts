import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import pino from "pino";
import { loadConfig } from "../../src/config.js";
import { buildApp } from "../../src/server/app.js";
import { createDeps } from "../../src/server/start.js";
import { freshDatabase } from "./database.js";
import { makeClient } from "./patchbay.js";

/** A Patchbay with no users at all (onboarding), on a random port. */
export async function startPatchbayBare() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-bare-"));
  const database = await freshDatabase();
  const logs: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (logs.push(String(c)), cb()) });
  const deps = await createDeps({ ...loadConfig({}), dataDir, host: "127.0.0.1", port: 0, databaseUrl: database.url }, pino({ level: "info" }, sink));
  const app = await buildApp(deps);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    logs,
    deps,
    anonymous: makeClient(url),
    async close() {
      await app.close();
      await deps.close();
      await database.drop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
