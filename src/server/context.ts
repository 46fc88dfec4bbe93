import type { FastifyReply, FastifyRequest } from "fastify";
import type { Context } from "../api/trpc.js";
import { resolveCaller, SESSION_TTL_MS } from "../services/auth.js";
import type { Deps } from "../services/deps.js";

/**
 * The request edge shared by every surface (tRPC, REST, MCP): who is calling, from where, and whether the
 * request comes from another site. Built once per request here; the input guards (NUL characters) run in the
 * procedures' first middleware (src/api/trpc.ts), which every surface goes through, and the JSON depth and
 * body limits before any route (src/server/limits.ts). See docs/architecture.md, "Life of a request".
 */

export const SESSION_COOKIE = "patchbay_session";

/** The API key of a request: header `ApiKey: <token>` or `Authorization: Bearer <token>`; blank values count as none. */
export function apiKeyOf(headers: FastifyRequest["headers"]): string | undefined {
  const header = headers["apikey"];
  if (typeof header === "string" && header.trim()) return header.trim();
  const auth = headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, "").trim() || undefined;
  return undefined;
}

/** The request carries an Origin (or, without one, a Referer) of another host; `Origin: null` is cross-site too. */
export function isCrossSite(headers: FastifyRequest["headers"]): boolean {
  const source = headers.origin ?? headers.referer;
  if (!source || source === "null") return headers.origin === "null";
  try {
    return new URL(source).host !== headers.host;
  } catch {
    return true;
  }
}

/**
 * TRUST_PROXY for Fastify: a hop count trusts that many addresses from the socket inwards (Fastify 5 itself
 * treats a number as "trust nothing"); a list is compiled by proxy-addr. The client address (`req.ip`) is then
 * the first untrusted one, so an X-Forwarded-For entry the client wrote itself is never taken as its address.
 */
export function trustProxyOption(value: boolean | number | string[]): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof value !== "number") return value;
  return (_address, hop) => hop < value;
}

export interface EdgeOptions {
  /**
   * Whether the signed session cookie counts (tRPC, used by the web UI). REST and MCP are for scripts and read
   * the API key only: without cookies a page of another site cannot make a browser call them with its session.
   */
  cookies: boolean;
}

/** The context of one request on any surface: the caller (API key first, then the session cookie), address, CSRF signal. */
export async function contextFromRequest(deps: Deps, req: FastifyRequest, reply: FastifyReply, opts: EdgeOptions): Promise<Context> {
  const apiKey = apiKeyOf(req.headers);
  let sessionToken: string | undefined;
  if (opts.cookies && !apiKey) {
    const raw = req.cookies[SESSION_COOKIE];
    const unsigned = raw ? req.unsignCookie(raw) : undefined;
    sessionToken = unsigned?.valid ? (unsigned.value ?? undefined) : undefined;
  }
  const caller = await resolveCaller(deps.db, apiKey ? { apiKey } : { sessionToken }, { sessionIdleMs: deps.config.sessionIdleDays * 86_400_000, ip: req.ip });
  return {
    deps,
    caller,
    ip: req.ip,
    sessionToken,
    crossSite: isCrossSite(req.headers),
    setSessionCookie(token) {
      if (!opts.cookies) return;
      if (token) {
        reply.setCookie(SESSION_COOKIE, token, { path: "/", httpOnly: true, sameSite: "lax", secure: req.protocol === "https", signed: true, maxAge: SESSION_TTL_MS / 1000 });
      } else {
        reply.clearCookie(SESSION_COOKIE, { path: "/" });
      }
    },
  };
}
