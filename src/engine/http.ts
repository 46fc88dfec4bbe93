import crypto from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import type { Agent, Dispatcher } from "undici";

// undici is loaded on the first outbound request (a connection test, a capability read), not at server start
// (idle memory; README "Performance").
let undiciModule: Promise<typeof import("undici")> | undefined;
const loadUndici = () => (undiciModule ??= import("undici"));
import { strictEncode } from "./redact.js";
import { TestFailure, type CertificateInfo } from "./failure.js";

/**
 * The one outbound HTTP client (docs/architecture.md, "Outbound client"). Every call a connection test or a search
 * makes goes through here, so deadlines, the response size cap, redirect rules, TLS trust and the
 * classification of transport errors exist exactly once.
 */

export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
const MAX_REDIRECTS = 5;

/** Certificates an admin chose to trust, on top of the system store. */
export class TrustStore {
  private pems: string[] = [];
  private fingerprints = new Set<string>();
  private agents = new Map<string, Agent>();

  set(certs: { pem: string; fingerprint256: string }[]): void {
    this.pems = certs.map((c) => c.pem);
    this.fingerprints = new Set(certs.map((c) => normalizeFingerprint(c.fingerprint256)));
    const old = [...this.agents.values()];
    this.agents.clear();
    // Let requests in flight finish on the old agents.
    for (const a of old) void a.close().catch(() => undefined);
  }

  isTrusted(fingerprint256: string): boolean {
    return this.fingerprints.has(normalizeFingerprint(fingerprint256));
  }

  async agent(skipVerify: boolean): Promise<Agent> {
    const key = skipVerify ? "insecure" : "verified";
    const { Agent } = await loadUndici();
    let agent = this.agents.get(key);
    if (!agent) {
      const fingerprints = this.fingerprints;
      agent = new Agent({
        keepAliveTimeout: 4_000,
        // Generous per-origin pool: tests queued behind a slow upstream would otherwise time out in our own queue.
        connections: 64,
        // The overall deadline comes from the caller's AbortSignal; these are only backstops.
        headersTimeout: 120_000,
        bodyTimeout: 120_000,
        connect: skipVerify
          ? { rejectUnauthorized: false }
          : {
              ca: [...tls.rootCertificates, ...this.pems],
              // A certificate the admin trusted explicitly is accepted for its host even when its names
              // do not match (typical for self-signed certificates reached through an IP address).
              checkServerIdentity: (host, cert) =>
                fingerprints.has(normalizeFingerprint(cert.fingerprint256)) ? undefined : tls.checkServerIdentity(host, cert),
            },
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close().catch(() => undefined)));
    this.agents.clear();
  }
}

const normalizeFingerprint = (f: string) => f.replace(/:/g, "").toUpperCase();

/** A URL safe to show or log: no userinfo, no query string, no fragment. */
export function safeUrl(u: string | URL): string {
  try {
    const url = new URL(String(u));
    url.username = "";
    url.password = "";
    url.search = "";
    url.hash = "";
    return url.toString();
  } catch {
    return "(invalid URL)";
  }
}

// Redaction lives in ./redact.ts (self-contained); strictEncode with it, as redaction matches that form too.
export { redact, strictEncode } from "./redact.js";

export interface HttpRequest {
  method?: string;
  /** Path relative to the base URL ("/api/v3/system/status"), or an absolute URL of the same service. */
  path?: string;
  url?: string | URL;
  query?: Record<string, string | number | undefined>;
  headers?: Record<string, string>;
  body?: string;
  json?: unknown;
  form?: Record<string, string>;
  maxBytes?: number;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  url: URL;
  text: string;
  header(name: string): string | undefined;
  /** Parses JSON; a body that is not JSON is UNEXPECTED_RESPONSE. */
  json<T = unknown>(): T;
}

export interface HttpSessionOptions {
  baseUrl: URL;
  trust: TrustStore;
  signal: AbortSignal;
  skipTlsVerify?: boolean;
}

/** Requests for one test or search: one deadline, one cookie jar for the service's origin. */
export class HttpSession {
  constructor(
    private readonly opts: HttpSessionOptions,
    private readonly cookies = new Map<string, string>(),
  ) {}

  /** The same session (cookies included) under another deadline, e.g. to log out after a test timed out. */
  withSignal(signal: AbortSignal): HttpSession {
    return new HttpSession({ ...this.opts, signal }, this.cookies);
  }

  get signal(): AbortSignal {
    return this.opts.signal;
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  resolve(req: Pick<HttpRequest, "path" | "url" | "query">): URL {
    let url: URL;
    if (req.url) url = new URL(String(req.url));
    else {
      url = new URL(this.opts.baseUrl.toString());
      url.pathname = url.pathname.replace(/\/+$/, "") + (req.path ?? "/");
    }
    if (req.query) {
      const parts: string[] = [];
      for (const [k, v] of Object.entries(req.query)) if (v !== undefined) parts.push(`${strictEncode(k)}=${strictEncode(String(v))}`);
      url.search = (url.search ? url.search.slice(1) + "&" : "") + parts.join("&");
    }
    return url;
  }

  async request(req: HttpRequest): Promise<HttpResponse> {
    let url = this.resolve(req);
    const origin = url.origin;
    const headers: Record<string, string> = { "user-agent": "Patchbay", accept: "application/json, text/plain, */*", ...lowerKeys(req.headers) };
    let body = req.body;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers["content-type"] ??= "application/json";
    } else if (req.form) {
      body = new URLSearchParams(req.form).toString();
      headers["content-type"] ??= "application/x-www-form-urlencoded";
    }
    let method = (req.method ?? (body !== undefined ? "POST" : "GET")).toUpperCase();
    for (let hop = 0; ; hop++) {
      const cookieHeader = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
      const sent = { ...headers };
      if (cookieHeader) sent.cookie = headers.cookie ? `${headers.cookie}; ${cookieHeader}` : cookieHeader;
      const res = await this.send(url, method, sent, body, req.maxBytes ?? DEFAULT_MAX_BYTES);
      this.storeCookies(res.headers["set-cookie"]);
      if (res.status >= 300 && res.status < 400 && res.headers.location) {
        const next = new URL(String(res.headers.location), url);
        if (next.origin !== origin) {
          // Credentials travel in headers, query and body; none of them may reach another origin, so stop here.
          const httpsUpgrade = next.protocol === "https:" && url.protocol === "http:" && next.hostname === url.hostname;
          throw new TestFailure(
            "UNEXPECTED_RESPONSE",
            httpsUpgrade
              ? `The service redirects to HTTPS: use ${next.origin} as the URL.`
              : `The service redirects to another address (${safeUrl(next)}); use that address as the URL if it is the right service.`,
            { statusCode: res.status, location: safeUrl(next) },
          );
        }
        if (hop >= MAX_REDIRECTS) {
          throw new TestFailure("UNEXPECTED_RESPONSE", `The service redirected more than ${MAX_REDIRECTS} times (a redirect loop?).`, {
            statusCode: res.status,
          });
        }
        if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === "POST")) {
          method = "GET";
          body = undefined;
          delete headers["content-type"];
        }
        url = next;
        continue;
      }
      return res;
    }
  }

  private async send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, maxBytes: number): Promise<HttpResponse> {
    if (url.username || url.password) {
      // undici refuses URLs with credentials; send them as Basic auth instead.
      headers.authorization ??= "Basic " + Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64");
      url = new URL(url.toString());
      url.username = "";
      url.password = "";
    }
    let res: Dispatcher.ResponseData;
    const attempt = async () =>
      (await loadUndici()).request(url, {
        method: method as Dispatcher.HttpMethod,
        headers,
        body,
        signal: this.opts.signal,
        dispatcher: await this.opts.trust.agent(this.opts.skipTlsVerify ?? false),
      });
    try {
      try {
        res = await attempt();
      } catch (err) {
        // A kept-alive socket the server already closed (NZBGet closes after a 401 despite keep-alive):
        // nothing was answered, so one retry on a fresh connection is safe.
        if (this.opts.signal.aborted || !isStaleSocket(err)) throw err;
        res = await attempt();
      }
    } catch (err) {
      throw classifyTransportError(err, url, this.opts.signal);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.body.destroy();
          throw new TestFailure("UNEXPECTED_RESPONSE", `The response from ${safeUrl(url)} is larger than ${Math.round(maxBytes / 1024)} KiB; this does not look like the expected API.`);
        }
        chunks.push(chunk as Buffer);
      }
    } catch (err) {
      if (err instanceof TestFailure) throw err;
      throw classifyTransportError(err, url, this.opts.signal);
    }
    const text = Buffer.concat(chunks).toString("utf8");
    const hdrs = res.headers as Record<string, string | string[] | undefined>;
    return {
      status: res.statusCode,
      headers: hdrs,
      url,
      text,
      header: (name) => {
        const v = hdrs[name.toLowerCase()];
        return Array.isArray(v) ? v.join(", ") : v;
      },
      json: <T>() => {
        try {
          return JSON.parse(text) as T;
        } catch {
          throw new TestFailure("UNEXPECTED_RESPONSE", `${safeUrl(url)} did not answer with JSON; is this the right service and URL?`, {
            statusCode: res.statusCode,
          });
        }
      },
    };
  }

  private storeCookies(setCookie: string | string[] | undefined): void {
    if (!setCookie) return;
    for (const line of Array.isArray(setCookie) ? setCookie : [setCookie]) {
      const first = line.split(";")[0] ?? "";
      const eq = first.indexOf("=");
      if (eq > 0) this.cookies.set(first.slice(0, eq).trim(), first.slice(eq + 1).trim());
    }
  }
}

function isStaleSocket(err: unknown): boolean {
  const { codes, messages } = errorCodes(err);
  return codes.includes("UND_ERR_SOCKET") || codes.includes("ECONNRESET") || messages.some((m) => /other side closed/i.test(m));
}

function lowerKeys(h: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) out[k.toLowerCase()] = v;
  return out;
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "CERT_UNTRUSTED",
  "CERT_REVOKED",
  "CERT_SIGNATURE_FAILURE",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "HOSTNAME_MISMATCH",
]);

function errorCodes(err: unknown): { codes: string[]; messages: string[] } {
  const codes: string[] = [];
  const messages: string[] = [];
  let e: unknown = err;
  for (let i = 0; e && i < 6; i++) {
    const o = e as { code?: unknown; message?: unknown; cause?: unknown; name?: unknown };
    if (typeof o.code === "string") codes.push(o.code);
    if (typeof o.name === "string") codes.push(o.name);
    if (typeof o.message === "string") messages.push(o.message);
    e = o.cause;
  }
  return { codes, messages };
}

/** Turns a transport error into a contract error code with a message the user can act on. */
export function classifyTransportError(err: unknown, url: URL, signal?: AbortSignal): TestFailure {
  if (err instanceof TestFailure) return err;
  const where = `${url.hostname}:${url.port || (url.protocol === "https:" ? 443 : 80)}`;
  if (signal?.aborted) {
    return new TestFailure("TIMEOUT", `${where} did not answer in time. Check that the service is running and not overloaded.`);
  }
  const { codes, messages } = errorCodes(err);
  const has = (...c: string[]) => c.some((x) => codes.includes(x));
  if (has("ECONNREFUSED")) {
    return new TestFailure("CONNECTION_REFUSED", `Nothing is listening on ${where}. Check the host, the port and that the service is running.`);
  }
  if (has("ENOTFOUND", "EAI_AGAIN", "EAI_NONAME", "EAI_FAIL")) {
    return new TestFailure("DNS_ERROR", `The host name ${url.hostname} was not found (DNS). Check the spelling, or use the IP address.`);
  }
  if (has("EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENETDOWN", "EADDRNOTAVAIL")) {
    return new TestFailure("HOST_UNREACHABLE", `${url.hostname} cannot be reached from the Patchbay server (no route to host).`);
  }
  if (has("UND_ERR_CONNECT_TIMEOUT", "UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT", "ETIMEDOUT", "TimeoutError", "AbortError")) {
    return new TestFailure("TIMEOUT", `${where} did not answer in time. Check that the service is running and not overloaded.`);
  }
  const tlsCode = codes.find((c) => TLS_CODES.has(c));
  if (tlsCode) {
    const why =
      tlsCode === "CERT_HAS_EXPIRED"
        ? "its certificate has expired"
        : tlsCode === "ERR_TLS_CERT_ALTNAME_INVALID"
          ? `its certificate is not valid for the name ${url.hostname}`
          : tlsCode === "CERT_NOT_YET_VALID"
            ? "its certificate is not valid yet"
            : "its certificate is not signed by a trusted authority (self-signed?)";
    const failure = new TestFailure("CERTIFICATE_ERROR", `The HTTPS connection to ${where} is not trusted: ${why}. Trust the certificate if you know it is yours.`, {
      tlsError: tlsCode,
    });
    failure.certificateUrl = url;
    return failure;
  }
  const text = messages.join(" | ");
  if (has("ERR_SSL_WRONG_VERSION_NUMBER", "EPROTO") || /wrong version number|packet length too long/i.test(text)) {
    return new TestFailure("UNEXPECTED_RESPONSE", `${where} does not speak HTTPS; use http:// in the URL.`);
  }
  if (has("UND_ERR_HEADERS_OVERFLOW")) {
    return new TestFailure("UNEXPECTED_RESPONSE", `The response headers from ${where} are too large; this does not look like the expected API.`);
  }
  // undici's HTTPParserError has no code for some malformations (e.g. "Invalid status code"): its name says it.
  if (codes.some((c) => c.startsWith("HPE_")) || has("HTTPParserError") || /Expected HTTP\//i.test(text)) {
    const hint = url.protocol === "http:" ? " It may speak HTTPS; try https:// in the URL." : "";
    return new TestFailure("UNEXPECTED_RESPONSE", `${where} did not answer with valid HTTP.${hint}`);
  }
  if (has("ECONNRESET", "UND_ERR_SOCKET", "EPIPE", "UND_ERR_CLOSED")) {
    return new TestFailure("UNEXPECTED_RESPONSE", `${where} closed the connection before answering completely. Check the URL and port (is it the web port of the service?).`);
  }
  // Name the system/undici code (ECONNABORTED…) found on the error or its causes, not fetch's "TypeError".
  const named = codes.find((c) => /^[A-Z][A-Z0-9_]+$/.test(c)) ?? codes[0];
  return new TestFailure("UNKNOWN", `The request to ${where} failed (${named ?? "unknown error"}).`);
}

/** Reads the peer certificate with verification off, so an admin can look at it and decide to trust it. */
export function fetchPeerCertificate(url: URL, timeoutMs: number): Promise<CertificateInfo | undefined> {
  return new Promise((resolve) => {
    const port = Number(url.port || 443);
    const host = url.hostname.replace(/^\[|\]$/g, "");
    const socket = tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false });
    const done = (v: CertificateInfo | undefined) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), Math.max(100, timeoutMs));
    socket.once("error", () => done(undefined));
    socket.once("secureConnect", () => {
      const cert = socket.getPeerX509Certificate();
      if (!cert) return done(undefined);
      done(describeCertificate(cert));
    });
  });
}

export function describeCertificate(cert: crypto.X509Certificate): CertificateInfo {
  return {
    subject: cert.subject.replace(/\n/g, ", "),
    issuer: cert.issuer.replace(/\n/g, ", "),
    validFrom: new Date(cert.validFrom).toISOString(),
    validTo: new Date(cert.validTo).toISOString(),
    fingerprint256: cert.fingerprint256,
    selfSigned: cert.subject === cert.issuer && cert.checkIssued(cert),
    pem: cert.toString(),
  };
}
