import { ConfigError, loadConfig } from "./config.js";
import { KeyError } from "./crypto/keyring.js";
import { stopOnSignals } from "./server/shutdown.js";
import { startServer } from "./server/start.js";

/** `npm start`: Patchbay on its embedded default (SQLite + generated key in ./data) unless configured otherwise. */
try {
  const { app, deps } = await startServer(loadConfig());
  stopOnSignals(app, deps.log);
} catch (e) {
  if (e instanceof ConfigError || e instanceof KeyError) {
    console.error(`Patchbay cannot start: ${e.message}`);
    process.exit(2);
  }
  console.error("Patchbay failed to start:", e);
  process.exit(1);
}
