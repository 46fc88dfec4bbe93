import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const HINT = "Check the Web UI username and password in qBittorrent → Tools → Options → Web UI.";

/**
 * qBittorrent WebAPI v2. The login answers HTTP 200 for both outcomes ("Ok." or "Fails."), so the verdict
 * comes from the body, never the status. The session the test opens is closed again.
 */
export default defineKind({
  kind: "qBittorrent",
  name: "qBittorrent",
  categories: ["download"],
  secretOptions: [["username", "password"], ["apiKey"]],
  defaultPort: 8080,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/qbittorrent.svg",
  docsUrl: "https://github.com/qbittorrent/qBittorrent/wiki/WebUI-API-(qBittorrent-4.1)",
  minVersion: "4.1",
  credentialHint: HINT,
  async test(ctx) {
    if (ctx.secrets.apiKey !== undefined) {
      const res = await ctx.http.request({ path: "/api/v2/app/version", headers: { authorization: `Bearer ${ctx.secrets.apiKey}` } });
      if (res.status === 401 && isForeignBasicLogin(res.header("www-authenticate"))) throw foreignLogin(res.header("www-authenticate"));
      if (res.status === 401 || res.status === 403) {
        throw new TestFailure(
          "INVALID_CREDENTIALS",
          "qBittorrent rejected the API key. Check it in qBittorrent → Tools → Options → Web UI; API keys need qBittorrent 5.2 or newer (older versions: use username and password).",
          { statusCode: res.status },
        );
      }
      return { version: readVersion(ctx, res.status, res.text) };
    }
    const origin = ctx.url.origin;
    // qBittorrent's CSRF check wants Referer/Origin to match its Host; send our own base URL.
    const login = await ctx.http.request({
      method: "POST",
      path: "/api/v2/auth/login",
      form: { username: ctx.secrets.username ?? "", password: ctx.secrets.password ?? "" },
      headers: { referer: origin + "/", origin },
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
      // qBittorrent's own CSRF / Host-header check (no WWW-Authenticate).
      throw new TestFailure(
        "HTTP_ERROR",
        "qBittorrent refused the request's origin (its CSRF protection / Host header validation). If it is behind a reverse proxy, make the proxy pass the original Host header, or turn off \"Enable Host header validation\" in qBittorrent → Tools → Options → Web UI.",
        { statusCode: 401 },
      );
    }
    if (login.status === 200 && body === "Fails.") throw new TestFailure("INVALID_CREDENTIALS", `qBittorrent rejected the username or password. ${HINT}`);
    if (login.status !== 200 || body !== "Ok.") {
      throw notQbittorrent(login.status, login.text);
    }
    ctx.onCleanup((http) => http.request({ method: "POST", path: "/api/v2/auth/logout", headers: { referer: origin + "/", origin } }));
    const version = await ctx.http.request({ path: "/api/v2/app/version", headers: { referer: origin + "/" } });
    if (version.status === 403) {
      throw new TestFailure("INVALID_CREDENTIALS", `qBittorrent accepted the login but refused the session. ${HINT}`, { statusCode: 403 });
    }
    return { version: readVersion(ctx, version.status, version.text) };
  },
});

function readVersion(_ctx: TestContext, status: number, text: string): string {
  const v = text.trim();
  if (status === 200 && /^v?\d+\.\d+/.test(v) && v.length < 40) return v.replace(/^v/, "");
  throw notQbittorrent(status, text);
}

function notQbittorrent(status: number, text: string): TestFailure {
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
