import { HttpSession, TrustStore, classifyTransportError, fetchPeerCertificate, safeUrl } from "./http.js";
import { redact, redactDeep, redactionValues } from "./redact.js";
import { TestFailure, type KindDefinition, type SearchResult, type Secrets, type TestError } from "./types.js";
import { compareVersions } from "./version.js";

export interface RunOptions {
  trust: TrustStore;
  timeoutMs: number;
  skipTlsVerify?: boolean;
}

export type TestOutcome = { ok: true; version?: string } | { ok: false; error: TestError };

const CLEANUP_MS = 2_000;

/**
 * Runs one adapter call under one overall deadline and turns every way it can fail into a contract error
 * (§6). Cleanups the adapter registered (logouts) always run, with a short deadline of their own.
 */
export async function withContext<T>(
  def: KindDefinition,
  url: string,
  secrets: Secrets,
  opts: RunOptions,
  fn: (ctx: Parameters<KindDefinition["test"]>[0]) => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; error: TestError }> {
  const base = new URL(url);
  const controller = new AbortController();
  const started = Date.now();
  const timer = setTimeout(() => controller.abort(), opts.timeoutMs);
  const cleanups: ((http: HttpSession) => Promise<unknown>)[] = [];
  const http = new HttpSession({ baseUrl: base, trust: opts.trust, signal: controller.signal, skipTlsVerify: opts.skipTlsVerify });
  const secretValues = redactionValues(secrets);
  try {
    // The deadline also bounds adapter code that is not waiting on the network.
    const value = await Promise.race([
      fn({ kind: def, url: base, secrets, http, onCleanup: (f) => cleanups.push(f) }),
      new Promise<never>((_, reject) =>
        controller.signal.addEventListener("abort", () => reject(new TestFailure("TIMEOUT", timeoutMessage(base))), { once: true }),
      ),
    ]);
    return { ok: true, value };
  } catch (err) {
    const failure = err instanceof TestFailure ? err : classifyTransportError(err, base, controller.signal);
    const error: TestError = { code: failure.code, message: redact(failure.message, secretValues) };
    if (failure.details) {
      error.details = Object.fromEntries(
        Object.entries(failure.details).map(([k, v]) => [k, typeof v === "string" ? redact(v, secretValues) : v]),
      );
    }
    if (failure.code === "TIMEOUT") error.message = timeoutMessage(base);
    // The certificate of the address that failed, which for some kinds (iCal feeds) is not the integration URL.
    const certUrl = failure.certificateUrl ?? base;
    if (failure.code === "CERTIFICATE_ERROR" && certUrl.protocol === "https:") {
      const left = opts.timeoutMs - (Date.now() - started);
      const cert = await fetchPeerCertificate(certUrl, Math.min(Math.max(left, 500), 3_000));
      if (cert) error.certificate = cert;
    }
    return { ok: false, error };
  } finally {
    clearTimeout(timer);
    if (cleanups.length) {
      const cleanupHttp = http.withSignal(AbortSignal.timeout(CLEANUP_MS));
      const closing = Promise.allSettled(cleanups.map((f) => f(cleanupHttp)));
      // After a timeout the verdict must not wait any longer; the logout still goes out in the background.
      if (!controller.signal.aborted) await closing;
    }
  }
}

function timeoutMessage(base: URL): string {
  return `${safeUrl(base)} did not answer in time. Check that the service is running and reachable from the Patchbay server.`;
}

export async function runConnectionTest(def: KindDefinition, url: string, secrets: Secrets, opts: RunOptions): Promise<TestOutcome> {
  const r = await withContext(def, url, secrets, opts, (ctx) => def.test(ctx));
  if (!r.ok) return r;
  const version = r.value.version;
  // Only numeric versions are compared: a build label like "develop-4b7c1a2" says nothing about age.
  if (version && def.minVersion && /^v?\d/.test(version.trim()) && compareVersions(version, def.minVersion) < 0) {
    return {
      ok: false,
      error: {
        code: "UNSUPPORTED_VERSION",
        message: `${def.name} ${version} is too old: Patchbay supports ${def.name} ${def.minVersion} and newer. Update ${def.name}.`,
        details: { version, minVersion: def.minVersion },
      },
    };
  }
  return version ? { ok: true, version } : { ok: true };
}

export async function runSearch(
  def: KindDefinition,
  url: string,
  secrets: Secrets,
  query: string,
  limit: number,
  opts: RunOptions,
): Promise<{ ok: true; results: SearchResult[] } | { ok: false; error: TestError }> {
  const search = def.search;
  if (!search) throw new Error(`${def.kind} has no search`);
  const r = await withContext(def, url, secrets, opts, (ctx) => search(ctx, query, limit));
  // An upstream may echo the integration's own key in a link, an id, an image URL or a text: results get the
  // same redaction as errors (src/integrations/redact.ts) before any caller — tRPC, REST, MCP — sees them.
  return r.ok ? { ok: true, results: redactDeep(r.value.slice(0, limit), redactionValues(secrets)) } : r;
}
