import { redact } from "../engine/http.js";

/**
 * Query parameters that carry a credential: a link or image URL holding one is dropped from a capability
 * answer (docs/capabilities.md: "an upstream value that would, is dropped"), whoever's secret it is.
 */
const CREDENTIAL_PARAM = /^(api[-_]?key|x[-_]api[-_]key|x-plex-token|plex[-_]?token|token|access[-_]?token|auth|authorization|password|passwd|pass|secret|key|sig|signature|session|sessionid|sid)$/i;

const DROP = Symbol("drop");

function carriesCredential(text: string): boolean {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text) && !text.startsWith("/")) return false;
  let url: URL;
  try {
    url = new URL(text, "http://relative.invalid");
  } catch {
    return false;
  }
  if (url.username || url.password) return true;
  for (const name of url.searchParams.keys()) if (CREDENTIAL_PARAM.test(name)) return true;
  return false;
}

function walk(value: unknown, secrets: readonly string[], depth: number): unknown {
  if (typeof value === "string") return carriesCredential(value) ? DROP : redact(value, secrets);
  if (value === null || typeof value !== "object" || value instanceof Date) return value;
  // Answers are plain data; anything nested absurdly deep is not, and is cut rather than walked forever.
  if (depth > 32) return DROP;
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets, depth + 1)).filter((v) => v !== DROP);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const w = walk(v, secrets, depth + 1);
    if (w !== DROP) out[redact(k, secrets)] = w;
  }
  return out;
}

/**
 * Every string of a capability answer or error with the integration's own secrets redacted, and every URL
 * whose query (or userinfo) carries a credential dropped (its field left out). One function, so a shared
 * deep redactor can replace it.
 */
export function scrubDeep<T>(value: T, secrets: readonly string[]): T {
  const w = walk(value, secrets, 0);
  return (w === DROP ? undefined : w) as T;
}
