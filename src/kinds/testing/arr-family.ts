import { TrustStore } from "../../engine/http.js";
import { withContext } from "../../engine/runner.js";
import type { KindDefinition, Secrets, TestContext } from "../../engine/types.js";
import { startArr, type ArrEmulator, type ArrOptions } from "../arr-family/emulator.js";
import type { Release, StartedRelease } from "./contract.js";

/**
 * Runs a capability function of a kind directly, the way the capability service does (one deadline, the
 * error envelope of src/engine/runner.ts), for the capability tests of the *arr/indexer/iCal kinds.
 */
export function runCapability<T>(def: KindDefinition, url: string, secrets: Secrets, fn: (ctx: TestContext) => Promise<T>, timeoutMs = 5_000) {
  return withContext(def, url, secrets, { trust: new TrustStore(), timeoutMs }, fn);
}

/** The calendar capability of a kind (fails the test when the kind has none). */
export function calendarOf(def: KindDefinition) {
  const cap = def.capabilities?.calendar;
  if (!cap) throw new Error(`${def.kind} has no calendar capability`);
  return cap;
}

/** The indexers capability of a kind (fails the test when the kind has none). */
export function indexersOf(def: KindDefinition) {
  const cap = def.capabilities?.indexers;
  if (!cap) throw new Error(`${def.kind} has no indexers capability`);
  return cap;
}

/**
 * The failure modes every *arr capability read must map (docs/capabilities.md §1): a wrong key →
 * INVALID_CREDENTIALS naming where the key is, a 5xx → HTTP_ERROR, an answer of another shape →
 * UNEXPECTED_RESPONSE, nothing listening → CONNECTION_REFUSED. Each with no key in the message.
 */
export async function expectArrFailures(
  def: KindDefinition,
  start: (opts: { fail?: number; malformed?: boolean }) => Promise<{ url: string; close(): Promise<void> }>,
  key: string,
  read: (ctx: TestContext) => Promise<unknown>,
): Promise<void> {
  const { expect } = await import("vitest");
  const cases: [opts: { fail?: number; malformed?: boolean }, secret: string, code: string][] = [
    [{}, "wrong-key-1234", "INVALID_CREDENTIALS"],
    [{ fail: 503 }, key, "HTTP_ERROR"],
    [{ malformed: true }, key, "UNEXPECTED_RESPONSE"],
  ];
  for (const [opts, secret, code] of cases) {
    const e = await start(opts);
    try {
      const r = await runCapability(def, e.url, { apiKey: secret }, read);
      expect(r.ok ? "ok" : r.error.code, JSON.stringify(r)).toBe(code);
      if (!r.ok && code === "INVALID_CREDENTIALS") expect(r.error.message).toContain(`${def.name} → Settings → General`);
      expect(JSON.stringify(r)).not.toContain(key);
    } finally {
      await e.close();
    }
  }
  const gone = await start({});
  await gone.close();
  const refused = await runCapability(def, gone.url, { apiKey: key }, read);
  expect(refused.ok ? "ok" : refused.error.code).toBe("CONNECTION_REFUSED");
}

// ---- the shared kind contract over the *arr version matrix ----

export type ArrStarted = StartedRelease & { emu: ArrEmulator };

/** One emulated *arr release for kindContract: the app at `version`, a key, and a wrong key. */
export function arrRelease(app: ArrOptions["app"], version: string, extra: Partial<ArrOptions> = {}, label = `${app} ${version} (emulated)`): Release {
  const key = `${app.toLowerCase()}-contract-key-0123456789`;
  return {
    label,
    async start() {
      const emu = await startArr({ app, apiKey: key, version, ...extra });
      const started: ArrStarted = {
        url: emu.url,
        secrets: [{ kind: "apiKey", value: key }],
        wrongSecrets: [{ kind: "apiKey", value: "wrong-contract-key-5f3c9a1d" }],
        version,
        close: () => emu.close(),
        emu,
      };
      return started;
    },
  };
}
