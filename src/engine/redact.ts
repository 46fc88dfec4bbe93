/**
 * Redaction of an integration's own secrets from anything that may reach a user, a log or an export:
 * error messages, search results and capability answers (docs/capabilities.md). Self-contained on purpose.
 *
 * Upstreams echo secrets in many spellings, so each secret is searched in every form a service is known to
 * produce: raw, URL-encoded (%20 and + for spaces, upper- and lower-case hex, also !'()*), JSON-escaped
 * (with and without escaped slashes and backslash-u escapes), HTML-escaped, base64/base64url, and the base64 of `username:password`
 * (HTTP Basic). Longer forms are replaced first (a password that contains the username loses all of itself);
 * secrets shorter than 4 characters are replaced only as whole words; a text that ends in the first part of
 * a secret (cut by truncation upstream or in an adapter) loses that tail too.
 */

export const REDACTED = "***";
const SHORT = 4;
const MIN_TAIL = 4;

/** Percent-encoding that also escapes !'()* (Overseerr-family servers reject them raw). */
export function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

const htmlEscape = (s: string, apos: string) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, apos);
const lowerHex = (s: string) => s.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
const jsonAscii = (s: string) => JSON.stringify(s).slice(1, -1).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));

/** Every spelling of one secret an upstream may echo. */
function formsOf(secret: string): string[] {
  const encoded = [encodeURIComponent(secret), strictEncode(secret)];
  const plus = encoded.map((e) => e.replace(/%20/g, "+"));
  const json = JSON.stringify(secret).slice(1, -1);
  const base64 = Buffer.from(secret).toString("base64");
  return [
    secret,
    ...encoded,
    ...plus,
    ...[...encoded, ...plus].map(lowerHex),
    json,
    json.replace(/\//g, "\\/"),
    jsonAscii(secret),
    ...["&#39;", "&#x27;", "&apos;"].map((apos) => htmlEscape(secret, apos)),
    base64,
    base64.replace(/=+$/, ""),
    Buffer.from(secret).toString("base64url"),
  ];
}

/** The strings to redact for a set of secrets: every value, plus `username:password` when both exist. */
export function redactionValues(secrets: Partial<Record<string, string | null | undefined>>): string[] {
  const values = Object.values(secrets).filter((v): v is string => typeof v === "string" && v !== "");
  if (secrets.username && secrets.password) values.push(`${secrets.username}:${secrets.password}`);
  return values;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

interface Matcher {
  pattern: RegExp | undefined;
  /** Forms long enough that a cut-off beginning of them still identifies the secret. */
  tails: string[];
}

const cache = new Map<string, Matcher>();

function matcherFor(secrets: readonly string[]): Matcher {
  const cacheKey = JSON.stringify(secrets);
  const hit = cache.get(cacheKey);
  if (hit) return hit;
  const forms = new Map<string, boolean>(); // form → is short (whole words only)
  for (const s of secrets) {
    if (!s) continue;
    for (const f of formsOf(s)) if (f) forms.set(f, s.length < SHORT);
  }
  // Longest first: an alternation takes the first alternative that matches at a position.
  const sorted = [...forms.keys()].sort((a, b) => b.length - a.length);
  const alternatives = sorted.map((f) => (forms.get(f) ? `(?<![A-Za-z0-9])${escapeRegExp(f)}(?![A-Za-z0-9])` : escapeRegExp(f)));
  const matcher: Matcher = {
    pattern: alternatives.length ? new RegExp(alternatives.join("|"), "g") : undefined,
    tails: sorted.filter((f) => f.length >= 2 * MIN_TAIL),
  };
  if (cache.size > 200) cache.clear();
  cache.set(cacheKey, matcher);
  return matcher;
}

/** Removes every secret, in each of its forms, from a text (see the module comment). */
export function redact(text: string, secrets: readonly string[]): string {
  const { pattern, tails } = matcherFor(secrets);
  if (!pattern) return text;
  let out = text.replace(pattern, REDACTED);
  // A secret cut off at the end of a (truncated) text: its first part is still a secret.
  for (const form of tails) {
    for (let n = form.length - 1; n >= MIN_TAIL; n--) {
      if (out.endsWith(form.slice(0, n))) {
        out = out.slice(0, out.length - n) + REDACTED;
        break;
      }
    }
  }
  return out;
}

/** Query parameters that carry credentials in the services Patchbay talks to (Plex, *arr, Emby/Jellyfin…). */
const CREDENTIAL_PARAM = /^(x-plex-token|api[-_]?key|apitoken|token|access[-_]?token|auth[-_]?token|auth|password|passwd|pass|pwd|secret)$/i;

/**
 * A link or image URL without credentials: no userinfo, no credential query parameter, no parameter whose
 * value holds a secret. Answers undefined when the text is not a URL (absolute http(s) or a root path).
 */
function cleanUrl(text: string, secrets: readonly string[]): string | undefined {
  const absolute = /^https?:\/\//i.test(text);
  if (!absolute && !/^\/[^/]/.test(text)) return undefined;
  let url: URL;
  try {
    url = new URL(text, "http://relative.invalid");
  } catch {
    return undefined;
  }
  const had = url.username || url.password || url.search;
  if (!had) return undefined;
  url.username = "";
  url.password = "";
  for (const [name, value] of [...url.searchParams]) {
    if (CREDENTIAL_PARAM.test(name) || (value && redact(value, secrets) !== value)) url.searchParams.delete(name);
  }
  const out = absolute ? url.toString() : url.pathname + url.search + url.hash;
  return out;
}

/**
 * Redacts every string inside a value (objects, arrays, Maps, Sets; keys too), rewriting URLs with
 * `cleanUrl`. Dates and other non-plain objects are returned as they are; the input is not modified.
 */
export function redactDeep<T>(value: T, secrets: readonly string[]): T {
  const values = secrets.filter(Boolean);
  const seen = new Map<object, unknown>();
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return redact(cleanUrl(v, values) ?? v, values);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) return seen.get(v);
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      seen.set(v, out);
      for (const item of v) out.push(walk(item));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map();
      seen.set(v, out);
      for (const [k, item] of v) out.set(walk(k), walk(item));
      return out;
    }
    if (v instanceof Set) {
      const out = new Set();
      seen.set(v, out);
      for (const item of v) out.add(walk(item));
      return out;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) return v; // Date, URL, Buffer…: not walked
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const [k, item] of Object.entries(v)) out[redact(k, values)] = walk(item);
    return out;
  };
  return values.length ? (walk(value) as T) : value;
}
