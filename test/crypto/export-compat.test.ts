import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createDeps } from "../../src/server/start.js";
import type { Deps } from "../../src/services/deps.js";
import { loadSecrets } from "../../src/services/secrets.js";
import { exportInstance, importInstance, openExport } from "../../src/services/transfer.js";

/**
 * Export files written before the export cipher moved onto the keyring's AES-GCM (src/crypto/keyring.ts)
 * still open and import: test/fixtures/export-v1.json was written by that earlier code (two integrations,
 * three secrets, one trusted certificate) and is never regenerated.
 */
const FIXTURE = fs.readFileSync(path.join(import.meta.dirname, "../fixtures/export-v1.json"), "utf8");
const PASSPHRASE = "fixture passphrase v1";
const SECRETS = {
  "fixture-sonarr\u0000apiKey": "FIXTURE-sonarr-api-key-v1",
  "fixture-qbittorrent\u0000username": "admin",
  "fixture-qbittorrent\u0000password": "FIXTURE-qb-password-v1",
};

let deps: Deps;
let dir: string;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-export-compat-"));
  deps = await createDeps(loadConfig({ PATCHBAY_DATA_DIR: dir, LOG_LEVEL: "silent" }));
});
afterAll(async () => {
  await deps?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// Each test derives the scrypt key (N = 2^15) once or more: seconds apiece on a loaded 2-core machine.
describe("export files of format version 1", { timeout: 90_000 }, () => {
  it("an earlier export opens with its passphrase and yields its secrets", () => {
    const { plain } = openExport(FIXTURE, PASSPHRASE);
    expect(Object.fromEntries(plain)).toEqual(SECRETS);
  });

  it("refuses a wrong passphrase and a secret moved to another integration", () => {
    expect(() => openExport(FIXTURE, "not the passphrase")).toThrow(/wrong passphrase/);
    // Two sealed values swapped between integrations: the document's MAC no longer matches.
    const doc = JSON.parse(FIXTURE);
    const [qb, sonarr] = doc.data.integrations;
    [qb.secrets[0].value, sonarr.secrets[0].value] = [sonarr.secrets[0].value, qb.secrets[0].value];
    expect(() => openExport(JSON.stringify(doc), PASSPHRASE)).toThrow(/modified or damaged/);
  });

  it("imports into a fresh instance: secrets re-sealed under its key, the certificate trusted, the trust marker bumped", async () => {
    const report = await importInstance(deps, FIXTURE, PASSPHRASE);
    expect(report.integrations).toEqual({ created: 2, updated: 0 });
    expect(report.trustedCertificatesAdded).toBe(1);
    expect(await loadSecrets(deps.db, deps.keyring, "fixture-sonarr")).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "apiKey", value: "FIXTURE-sonarr-api-key-v1" })]));
    const marker = await deps.db.selectFrom("settings").select("value").where("key", "=", "trust_version").executeTakeFirst();
    expect(marker?.value).toMatch(/^[0-9a-f]{16}$/);
    // A second import adds no certificate, so it leaves the marker alone.
    await importInstance(deps, FIXTURE, PASSPHRASE);
    const again = await deps.db.selectFrom("settings").select("value").where("key", "=", "trust_version").executeTakeFirst();
    expect(again?.value).toBe(marker?.value);
  });

  it("today's export of the imported data opens again with the same result", async () => {
    const { document } = await exportInstance(deps, "a new passphrase 123");
    const { plain } = openExport(JSON.stringify(document), "a new passphrase 123");
    expect(Object.fromEntries(plain)).toEqual(SECRETS);
  });
});
