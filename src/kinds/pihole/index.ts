import { tryJson } from "../../engine/probe.js";
import type { HttpResponse } from "../../engine/http.js";
import { defineKind, TestFailure, type TestContext } from "../../engine/types.js";

const V6_HINT = "Pi-hole v6: enter the web interface password or, better, an app password (Settings → Web interface / API → Configure app password).";
const V5_HINT = "Pi-hole v5: enter the API token from Settings → API → Show API token.";

/**
 * Pi-hole, v5 and v6 in one kind.
 *
 * The version is told apart the way Homarr does: `GET /api/info/version` without credentials is a 404 on v5
 * (no such route under lighttpd/PHP) and a 401 (password set) or 200 (no password) on v6.
 *
 * v6 uses sessions from a small pool (`webserver.api.max_sessions`, 16 by default, each held 30 minutes), so the
 * test logs in, reads the version with the session id and **always** ends the session again. v5 answers a wrong
 * token with HTTP 200 and `[]`, which has to become INVALID_CREDENTIALS.
 *
 * No secret is allowed (`[]`): a Pi-hole without a password answers everything; one that has a password then
 * yields INVALID_CREDENTIALS with a hint where to find the credential.
 */
export default defineKind({
  kind: "pihole",
  name: "Pi-hole",
  categories: ["dnsHole"],
  secretOptions: [["apiKey"], []],
  defaultPort: 80,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/pi-hole.svg",
  docsUrl: "https://docs.pi-hole.net/api/",
  minVersion: "5.0",
  credentialHint: `${V6_HINT} ${V5_HINT}`,
  async test(ctx) {
    const probe = await ctx.http.request({ url: at(ctx, "/api/info/version") });
    if (probe.status === 404) return testV5(ctx);
    if (probe.status === 200) {
      // v6 without a password: the API is open to everybody, nothing to log in to.
      const version = readV6Version(probe);
      return { version };
    }
    const body = tryJson(probe.text) as { error?: { key?: unknown } } | undefined;
    if (probe.status === 401 && body?.error?.key === "unauthorized") return testV6(ctx);
    throw unexpected(probe.status);
  },
});

/** Paths of both generations hang off the server root; tolerate a base URL that already ends in /admin. */
function at(ctx: TestContext, path: string): URL {
  const u = new URL(ctx.url.toString());
  u.pathname = u.pathname.replace(/\/+$/, "").replace(/\/admin$/i, "") + path;
  return u;
}

async function testV6(ctx: TestContext): Promise<{ version?: string }> {
  const password = ctx.secrets.apiKey;
  if (password === undefined) {
    throw new TestFailure("INVALID_CREDENTIALS", `This Pi-hole (v6) has a password, so Patchbay needs one. ${V6_HINT}`, { piholeVersion: 6 });
  }
  const login = await ctx.http.request({ method: "POST", url: at(ctx, "/api/auth"), json: { password } });
  const body = tryJson(login.text) as
    | { session?: { valid?: unknown; sid?: unknown; message?: unknown }; error?: { key?: unknown; message?: unknown } }
    | undefined;

  if (login.status === 429 && body?.error?.key === "api_seats_exceeded") {
    throw new TestFailure(
      "HTTP_ERROR",
      "Pi-hole has no free API session: all seats (webserver.api.max_sessions, 16 by default) are taken, usually by dashboards or scripts that never log out. " +
        "Wait until those sessions expire (30 minutes by default), end them in Pi-hole → Settings → Web interface / API → Currently active sessions, or raise webserver.api.max_sessions.",
      { statusCode: 429, reason: "api_seats_exceeded" },
    );
  }
  if (login.status === 429) {
    throw new TestFailure("HTTP_ERROR", "Pi-hole is rate-limiting login attempts after too many failures. Wait a minute, then check the password.", {
      statusCode: 429,
      reason: typeof body?.error?.key === "string" ? body.error.key : "rate_limiting",
    });
  }
  if (login.status === 400 && typeof body?.error?.message === "string" && /2FA|totp/i.test(body.error.message)) {
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      "This Pi-hole has two-factor authentication enabled, which Patchbay cannot answer. Create an app password (Settings → Web interface / API → Configure app password) and enter that instead.",
      { statusCode: 400 },
    );
  }
  if (login.status === 401 && body?.session && body.session.valid === false) {
    throw new TestFailure("INVALID_CREDENTIALS", `Pi-hole rejected the password. ${V6_HINT}`, { statusCode: 401 });
  }
  if (login.status !== 200 || !body?.session || body.session.valid !== true) {
    throw login.status >= 500 ? new TestFailure("HTTP_ERROR", `Pi-hole answered HTTP ${login.status} to the login.`, { statusCode: login.status }) : unexpected(login.status);
  }

  const sid = body.session.sid;
  const headers: Record<string, string> = {};
  if (typeof sid === "string" && sid) {
    // Seats are scarce: end this session whatever happens next (the runner runs this even after a failure).
    ctx.onCleanup((http) => http.request({ method: "DELETE", url: at(ctx, "/api/auth"), headers: { "x-ftl-sid": sid } }));
    headers["x-ftl-sid"] = sid;
  }
  const res = await ctx.http.request({ url: at(ctx, "/api/info/version"), headers });
  if (res.status === 401) {
    throw new TestFailure("INVALID_CREDENTIALS", `Pi-hole accepted the password but refused the session it handed out. ${V6_HINT}`, { statusCode: 401 });
  }
  return { version: readV6Version(res) };
}

function readV6Version(res: HttpResponse): string {
  if (res.status >= 500) throw new TestFailure("HTTP_ERROR", `Pi-hole answered HTTP ${res.status} when asked for its version.`, { statusCode: res.status });
  const body = tryJson(res.text) as { version?: { core?: { local?: { version?: unknown } }; ftl?: { local?: { version?: unknown } } } } | undefined;
  const v = body?.version?.core?.local?.version ?? body?.version?.ftl?.local?.version;
  if (res.status !== 200 || typeof v !== "string" || !/^v?\d+(\.\d+)*/.test(v)) throw unexpected(res.status);
  return v.replace(/^v/i, "");
}

async function testV5(ctx: TestContext): Promise<{ version?: string }> {
  const key = ctx.secrets.apiKey;
  const res = await ctx.http.request({ url: at(ctx, "/admin/api.php"), query: { status: "", ...(key !== undefined ? { auth: key } : {}) } });
  if (res.status !== 200) {
    throw res.status >= 500 ? new TestFailure("HTTP_ERROR", `Pi-hole answered HTTP ${res.status}.`, { statusCode: res.status }) : unexpected(res.status);
  }
  const body = tryJson(res.text);
  if (Array.isArray(body)) {
    // v5's api.php answers HTTP 200 with `[]` when the token is wrong or missing.
    throw new TestFailure(
      "INVALID_CREDENTIALS",
      key === undefined ? `This Pi-hole (v5) has a web password, so Patchbay needs its API token. ${V5_HINT}` : `Pi-hole rejected the API token. ${V5_HINT}`,
      { piholeVersion: 5 },
    );
  }
  const status = (body as { status?: unknown } | undefined)?.status;
  if (!body || typeof body !== "object" || (status !== "enabled" && status !== "disabled")) throw unexpected(res.status);

  const versions = await ctx.http.request({ url: at(ctx, "/admin/api.php"), query: { versions: "" } });
  const core = (tryJson(versions.text) as { core_current?: unknown } | undefined)?.core_current;
  // Development branches report a branch name instead of a version; the connection is proven anyway.
  return typeof core === "string" && /^v?\d+(\.\d+)*/.test(core) ? { version: core.replace(/^v/i, "") } : {};
}

function unexpected(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Pi-hole (neither the v6 API nor v5's /admin/api.php). Use the address you open Pi-hole with, without /admin (for example http://pi.hole or http://192.168.1.2:8080).",
    { statusCode: status },
  );
}

