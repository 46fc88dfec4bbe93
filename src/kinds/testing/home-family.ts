import { afterAll } from "vitest";
import { withContext } from "../../engine/runner.js";
import { TrustStore } from "../../engine/http.js";
import type { KindDefinition, Secrets, TestContext, TestError } from "../../engine/types.js";

/**
 * Runs one capability function of a kind the way the capability service does (withContext: one deadline, the
 * error envelope, cleanups such as logouts), for tests that call the capability functions directly.
 */
export async function runCapability<T>(
  def: KindDefinition,
  url: string,
  secrets: Secrets,
  fn: (ctx: TestContext) => Promise<T>,
  timeoutMs = 5_000,
): Promise<{ ok: true; value: T } | { ok: false; error: TestError }> {
  return withContext(def, url, secrets, { trust: new TrustStore(), timeoutMs }, fn);
}

/** The value of a successful run, or a test failure that shows the envelope. */
export function valueOf<T>(r: { ok: true; value: T } | { ok: false; error: TestError }): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

/** The error of a failed run, or a test failure that shows the value. */
export function errorOf(r: { ok: true; value: unknown } | { ok: false; error: TestError }): TestError {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value)}`);
  return r.error;
}

/** Wraps an emulator's start function so every emulator a test file starts is closed after the file. */
export function closedAfterAll<A, E extends { close(): Promise<unknown> }>(startFn: (opts: A) => Promise<E>): (opts: A) => Promise<E> {
  const started: E[] = [];
  afterAll(async () => {
    await Promise.all(started.map((e) => e.close()));
  });
  return async (opts) => {
    const e = await startFn(opts);
    started.push(e);
    return e;
  };
}
