import fs from "node:fs";
import path from "node:path";
import { KeyError, keyFromHex, type Key } from "../crypto/keyring.js";
import { pendingKeyFile, rotateKey, RotationError } from "../services/key-rotation.js";
import { CommandError, cliConfig, err, openInstance, out, parse, readTextFile, UsageError, type Command } from "./common.js";

export const rotateKeyCommand: Command = {
  name: "secrets rotate-key",
  summary: "re-encrypt every secret under a new encryption key",
  help: `Usage: patchbay secrets rotate-key (--new-key-file FILE | --new-key HEX)

Re-encrypts every stored secret under a new 256-bit key (64 hex characters: openssl rand -hex 32), then
proves it by opening every secret with the new key alone. Resumable: if it is interrupted, run the same
command again; it only touches what is left.

Where the key lives decides the last step:
  - the generated key file in the data dir (no SECRET_ENCRYPTION_KEY / SECRET_ENCRYPTION_KEY_FILE):
    the new key is kept in secret.key.new while the rotation runs, and secret.key is replaced (atomically)
    only after the verification passed. Nothing else to do.
  - SECRET_ENCRYPTION_KEY or SECRET_ENCRYPTION_KEY_FILE: set it to the new key and restart Patchbay.

If it stops midway, the database holds secrets under both keys. Re-run the command to finish; to start the
server meanwhile, keep the old key and add the new one to SECRET_ENCRYPTION_PREVIOUS_KEYS (for the data-dir
key: SECRET_ENCRYPTION_PREVIOUS_KEYS=$(cat "$PATCHBAY_DATA_DIR/secret.key.new")).
A running server keeps the old key until it restarts: run this while Patchbay is stopped, or first restart it
with the new key as SECRET_ENCRYPTION_KEY and the old one in SECRET_ENCRYPTION_PREVIOUS_KEYS.

Options:
  --new-key-file FILE   a file holding the new key (preferred: not visible in the process list)
  --new-key HEX         the new key itself`,
  async run(argv) {
    const cmd = "secrets rotate-key";
    const { values } = parse(cmd, argv, { "new-key-file": { type: "string" }, "new-key": { type: "string" } });
    const config = cliConfig();
    const keyFile = config.encryptionKeyHex || config.encryptionKeyFile ? undefined : path.join(config.dataDir, "secret.key");
    if (values["new-key-file"] === undefined && values["new-key"] === undefined) {
      const hint = keyFile ? ` (to finish an interrupted rotation: --new-key-file ${pendingKeyFile(keyFile)})` : "";
      throw new UsageError(`missing --new-key-file or --new-key${hint}`, cmd);
    }
    if (values["new-key-file"] !== undefined && values["new-key"] !== undefined) throw new UsageError("give either --new-key-file or --new-key, not both", cmd);
    let newKey: Key;
    try {
      newKey =
        values["new-key"] !== undefined
          ? keyFromHex(values["new-key"], "--new-key")
          : keyFromHex(readTextFile(values["new-key-file"]!, "the key file"), `The key file ${values["new-key-file"]}`);
    } catch (e) {
      if (e instanceof KeyError) throw new UsageError(e.message, cmd);
      throw e;
    }
    const oldHex = [...config.previousKeysHex];
    // A rotation cut short left its key in secret.key.new: readable too, so that rotateKey can explain the state.
    if (keyFile && fs.existsSync(pendingKeyFile(keyFile))) {
      try {
        oldHex.push(keyFromHex(fs.readFileSync(pendingKeyFile(keyFile), "utf8"), pendingKeyFile(keyFile)).bytes.toString("hex"));
      } catch (e) {
        if (e instanceof KeyError) throw new CommandError(`${e.message}; remove ${pendingKeyFile(keyFile)} if no rotation is under way`);
        throw e;
      }
    }
    // The new key is readable while the instance opens: a rotation cut short has secrets under both.
    const deps = await openInstance({ mustExist: true, config: { ...config, previousKeysHex: [...oldHex, newKey.bytes.toString("hex")] } });
    try {
      const oldKeys = [deps.keyring.current, ...oldHex.map((h, i) => keyFromHex(h, `SECRET_ENCRYPTION_PREVIOUS_KEYS[${i}]`))];
      const report = await rotateKey({ db: deps.db, oldKeys, newKey, keyFile, progress: (m) => err(m) });
      out(`rotation complete: ${report.total} secret(s) under key ${report.newKeyId} (${report.reencrypted} re-encrypted now), each verified with the new key alone`);
      if (keyFile) {
        out(report.keyFileReplaced ? `replaced ${keyFile} with the new key; restart Patchbay to use it` : `${keyFile} already holds the new key`);
        if (config.previousKeysHex.length) out("SECRET_ENCRYPTION_PREVIOUS_KEYS is no longer needed: remove it.");
      } else {
        const where = config.encryptionKeyHex ? "SECRET_ENCRYPTION_KEY" : `the file named by SECRET_ENCRYPTION_KEY_FILE (${config.encryptionKeyFile})`;
        out(`NEXT STEP: set ${where} to the new key (id ${report.newKeyId}), remove SECRET_ENCRYPTION_PREVIOUS_KEYS, and restart Patchbay.`);
        out("Patchbay will not start with the old key alone any more (it says so); until you switch, the new key must be in SECRET_ENCRYPTION_PREVIOUS_KEYS.");
      }
      return 0;
    } catch (e) {
      if (e instanceof CommandError || (e instanceof RotationError && !e.started)) throw e;
      const recovery = keyFile
        ? `SECRET_ENCRYPTION_PREVIOUS_KEYS=$(cat ${pendingKeyFile(keyFile)})`
        : "SECRET_ENCRYPTION_PREVIOUS_KEYS=<the new key>";
      err(`The rotation did not finish. Run the same command again to resume. To start Patchbay meanwhile, keep the current key and set ${recovery}.`);
      throw e;
    } finally {
      await deps.close();
    }
  },
};
