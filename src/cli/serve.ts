import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse, type Command } from "./common.js";

export const serve: Command = {
  name: "serve",
  summary: "run the server (the same as npm start)",
  help: `Usage: patchbay serve

Runs the Patchbay server, exactly like \`npm start\`: the web UI is rebuilt if its sources changed, then HTTP
on HOST:PORT (default 0.0.0.0:7575), the database and key from PATCHBAY_DATA_DIR / DATABASE_URL /
SECRET_ENCRYPTION_KEY, the first admin from PATCHBAY_ADMIN_USERNAME + PATCHBAY_ADMIN_PASSWORD, and
PATCHBAY_PROVISION_FILE applied at start. Stops on SIGINT/SIGTERM.`,
  async run(argv) {
    parse("serve", argv, {});
    // npm start's `prestart` step (the web UI build, skipped when up to date; it never blocks the start).
    const prestart = path.resolve(import.meta.dirname, "../../scripts/build-web.mjs");
    if (fs.existsSync(prestart)) spawnSync(process.execPath, [prestart], { stdio: "inherit" });
    // The server's own entry point: the same start-up, signals and exit codes as npm start.
    await import("../main.js");
    return "running";
  },
};
