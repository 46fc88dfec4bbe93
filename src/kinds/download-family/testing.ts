import { describe, expect } from "vitest";
import { DownloadQueue } from "../../engine/capabilities.js";
import { TrustStore } from "../../engine/http.js";
import { withContext } from "../../engine/runner.js";
import type { Secrets, TestError } from "../../engine/types.js";
import { getKind } from "../index.js";
import { releaseAvailable, releases, type DaemonRelease } from "../testing/release.js";

/**
 * Test helpers for the download clients' `downloads` capability: call a capability function the way the
 * capability service does (withContext, one deadline, cleanups), and check results against the contract schema.
 */
const trust = new TrustStore();

type Downloads = NonNullable<NonNullable<ReturnType<typeof getKind>>["capabilities"]>["downloads"] & {};

export async function runDownloads<T>(
  kind: string,
  url: string,
  secrets: Secrets,
  fn: (d: Downloads, ctx: Parameters<Parameters<typeof withContext>[4]>[0]) => Promise<T>,
  timeoutMs = 10_000,
): Promise<{ ok: true; value: T } | { ok: false; error: TestError }> {
  const def = getKind(kind);
  if (!def?.capabilities?.downloads) throw new Error(`${kind} has no downloads capability`);
  const downloads = def.capabilities.downloads;
  return withContext(def, url, secrets, { trust, timeoutMs }, (ctx) => fn(downloads, ctx));
}

/** The queue, validated with the contract's schema (as the capability service does); throws on an error. */
export async function queueOf(kind: string, url: string, secrets: Secrets, limit = 100) {
  const r = await runDownloads(kind, url, secrets, (d, ctx) => d.queue(ctx, { limit }));
  if (!r.ok) throw new Error(`queue failed: ${r.error.code} ${r.error.message}`);
  return DownloadQueue.parse(r.value);
}

/** Runs an action and expects it to resolve. */
export async function act(kind: string, url: string, secrets: Secrets, fn: Parameters<typeof runDownloads<void>>[3]) {
  const r = await runDownloads(kind, url, secrets, fn);
  expect(r, JSON.stringify(r)).toEqual({ ok: true, value: undefined });
}

/** Runs a call and expects it to fail with `code`, with none of `secrets` in the error. */
export async function expectFailure(kind: string, url: string, secrets: Secrets, fn: Parameters<typeof runDownloads<unknown>>[3], code: string) {
  const r = await runDownloads(kind, url, secrets, fn);
  expect(r.ok, JSON.stringify(r)).toBe(false);
  if (r.ok) return undefined as never;
  expect(r.error.code, r.error.message).toBe(code);
  for (const v of Object.values(secrets)) if (v && v.length >= 4) expect(JSON.stringify(r.error)).not.toContain(v);
  return r.error;
}

/** Polls `probe` until it returns true (the real daemons apply some changes asynchronously). */
export async function eventually(probe: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A real-daemon downloads suite once per Debian release (src/kinds/testing/release.ts): Debian 12's host
 * packages and Debian 13's chrooted ones. A release that cannot run here skips loudly with the reason (or fails
 * under PATCHBAY_REQUIRE_REAL_SERVERS=1). Data dirs must come from `release.tempDir` and reach the daemon as
 * `release.guestPath(dir)`, so a chrooted daemon sees the same files.
 */
export function forEachRelease(label: string, binaries: string[], suite: (release: DaemonRelease) => void): void {
  for (const release of releases) {
    describe.skipIf(!releaseAvailable(release, binaries, label))(`${label} (${release.label}, real)`, () => suite(release));
  }
}
