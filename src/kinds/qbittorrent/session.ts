import { z } from "zod";
import { call } from "../../engine/kit.js";
import { TestFailure, type TestContext } from "../../engine/types.js";
import { compareVersions } from "../../engine/version.js";

const VERSION = z.string().trim().regex(/^v?\d+\.\d+[^\s<]{0,36}$/);

export const HINT = "Check the Web UI username and password in qBittorrent → Tools → Options → Web UI.";

/**
 * Opening a qBittorrent WebUI API v2 session, for the connection test and the capabilities alike. Facts from
 * qBittorrent's source (src/webui/api/authcontroller.cpp, src/webui/webapplication.cpp):
 * - up to 5.1 (release-5.1.2) auth/login answers HTTP 200 for both outcomes, "Ok." or "Fails.";
 * - from 5.2 (release-5.2.0) a successful login is 204 with no body and wrong credentials 401 "Unauthorized" —
 *   the same answer as its CSRF / Host-header check, so a 401 is told apart by asking app/version with the same
 *   headers and no session: a blocked request is 401 again, one that passed the check is 403 "Forbidden";
 * - 5.2 API keys go in `Authorization: Bearer`; a wrong key gets no session, so data endpoints answer 403.
 * The password session is logged out again when the call ends.
 */
export interface QbSession {
  /** Headers every request of this session sends. */
  headers: Record<string, string>;
}

export async function openSession(ctx: TestContext): Promise<QbSession> {
  if (ctx.secrets.apiKey !== undefined) return { headers: { authorization: `Bearer ${ctx.secrets.apiKey}` } };
  const origin = ctx.url.origin;
  // qBittorrent's CSRF check compares Referer/Origin with its Host; send our own base URL.
  const headers = { referer: origin + "/", origin };
  const login = await ctx.http.request({
    method: "POST",
    path: "/api/v2/auth/login",
    form: { username: ctx.secrets.username ?? "", password: ctx.secrets.password ?? "" },
    headers,
  });
  const body = login.text.trim();
  if (login.status === 403 && /banned/i.test(body)) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      "qBittorrent has banned Patchbay's IP address after too many failed logins. Wait for the ban to expire (1 hour by default) or restart qBittorrent, then check the username and password.",
      { statusCode: 403 },
    );
  }
  if (login.status === 401 && isForeignBasicLogin(login.header("www-authenticate"))) throw foreignLogin(login.header("www-authenticate"));
  if (login.status === 401 && body === "Unauthorized") {
    const probe = await ctx.http.request({ path: "/api/v2/app/version", headers });
    if (probe.status === 403) throw wrongPassword(401);
    // qBittorrent's own CSRF / Host-header check (no WWW-Authenticate).
    throw new TestFailure(
      "HTTP_ERROR",
      "qBittorrent refused the request's origin (its CSRF protection / Host header validation). If it is behind a reverse proxy, make the proxy pass the original Host header, or turn off \"Enable Host header validation\" in qBittorrent → Tools → Options → Web UI.",
      { statusCode: 401 },
    );
  }
  if (login.status === 200 && body === "Fails.") throw wrongPassword();
  if (!((login.status === 200 && body === "Ok.") || (login.status === 204 && body === ""))) throw notQbittorrent(login.status, login.text);
  ctx.onCleanup((http) => http.request({ method: "POST", path: "/api/v2/auth/logout", headers }));
  return { headers: { referer: origin + "/" } };
}

/** The version from app/version ("v4.5.2"), checking the session was accepted. */
export async function readVersion(ctx: TestContext, s: QbSession): Promise<string> {
  const res = await call(ctx, { path: "/api/v2/app/version", headers: s.headers }, { expect: () => true });
  if (res.status === 401 && isForeignBasicLogin(res.header("www-authenticate"))) throw foreignLogin(res.header("www-authenticate"));
  if (res.status === 401 || res.status === 403) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      ctx.secrets.apiKey !== undefined
        ? "qBittorrent rejected the API key. Check it in qBittorrent → Tools → Options → Web UI; API keys need qBittorrent 5.2 or newer (older versions: use username and password)."
        : `qBittorrent accepted the login but refused the session. ${HINT}`,
      { statusCode: res.status },
    );
  }
  // "v" + PROJECT_VERSION (src/base/version.h.in); anything else is another web page.
  const parsed = VERSION.safeParse(res.text);
  if (res.status !== 200 || !parsed.success) throw notQbittorrent(res.status, res.text);
  return parsed.data.replace(/^v/, "");
}

/** 5.0 renamed torrents/pause|resume to torrents/stop|start (src/webui/webapplication.h release-5.0.0). */
export function pauseActions(version: string): { pause: string; resume: string } {
  return compareVersions(version, "5.0") >= 0 ? { pause: "stop", resume: "start" } : { pause: "pause", resume: "resume" };
}

function wrongPassword(statusCode?: number): TestFailure {
  return new TestFailure("INVALID_CREDENTIALS", `qBittorrent rejected the username or password. ${HINT}`, statusCode ? { statusCode } : undefined);
}

export function notQbittorrent(status: number, text: string): TestFailure {
  if (status === 404 || status === 405 || /<html/i.test(text) || status === 200) {
    return new TestFailure("UNEXPECTED_RESPONSE", "This address does not answer like qBittorrent's Web UI. Check the URL and port (the Web UI port, 8080 by default).", {
      statusCode: status,
    });
  }
  return new TestFailure("HTTP_ERROR", `qBittorrent answered HTTP ${status}.`, { statusCode: status });
}

/** A Basic-auth challenge from something that is not qBittorrent (qBittorrent's Web UI never sends one). */
function isForeignBasicLogin(challenge: string | undefined): boolean {
  return Boolean(challenge && /^\s*basic/i.test(challenge) && !/qbittorrent/i.test(challenge));
}

function foreignLogin(challenge: string | undefined): TestFailure {
  const realm = /realm="?([^",]*)/i.exec(challenge ?? "")?.[1];
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    `This address asks for an HTTP login${realm ? ` for "${realm.slice(0, 60)}"` : ""}, which qBittorrent's Web UI never does. Check the URL and port (the Web UI port, 8080 by default); a reverse proxy with its own login in front of qBittorrent is not supported.`,
    { statusCode: 401 },
  );
}
