import { z } from "zod";
import type { HttpResponse, HttpSession } from "../../engine/http.js";
import { check } from "../../engine/kit.js";
import { tryJson } from "../../engine/probe.js";
import { TestFailure, type TestContext } from "../../engine/types.js";

export const HINT = "Check the Web UI password in Deluge → Preferences → Interface (the default after installing is \"deluge\").";
const NOT_CONNECTED =
  "Deluge web UI is up but not connected to a Deluge daemon; connect it in the Connection Manager (and check that deluged is running).";
const MAX_HOSTS = 5;

const Reply = z.object({
  result: z.unknown().refine((v) => v !== undefined),
  error: z.object({ message: z.unknown().optional(), code: z.unknown().optional() }).nullable(),
});
type RpcReply = z.output<typeof Reply>;

/**
 * Deluge's web UI (deluge-web) JSON-RPC at POST /json. Every answer is HTTP 200; a wrong password is
 * `result: false`. The web UI is a separate process that may not be attached to the daemon (deluged): then,
 * and only then (`web.connected` false), it is connected to a known host as the Connection Manager would; a web
 * UI already connected keeps its daemon. The web session opened is deleted afterwards.
 */
export interface DelugeSession {
  /** Calls a method and returns its result; an RPC error becomes a TestFailure. */
  call<S extends z.ZodType>(method: string, params: unknown[], schema: S): Promise<z.output<S>>;
  /** The raw reply (result and error), for methods whose error is an answer (old releases). */
  raw(method: string, params?: unknown[]): Promise<RpcReply>;
}

export async function openDeluge(ctx: TestContext): Promise<DelugeSession> {
  let id = 0;
  const raw = (method: string, params: unknown[] = [], http: HttpSession = ctx.http) => rpc(http, method, params, ++id);
  const call = async <S extends z.ZodType>(method: string, params: unknown[], schema: S): Promise<z.output<S>> =>
    check(ctx, await ok(raw(method, params), method), schema);

  const login = await raw("auth.login", [ctx.secrets.password ?? ""]);
  if (login.error) throw rpcError("auth.login", login.error);
  if (login.result === false) throw new TestFailure("INVALID_CREDENTIALS", `Deluge rejected the Web UI password. ${HINT}`);
  if (login.result !== true) throw notDeluge(200);
  ctx.onCleanup((http) => raw("auth.delete_session", [], http));

  if ((await ok(raw("web.connected"), "web.connected")) !== true) {
    const hint = await connectToDaemon(raw);
    if ((await ok(raw("web.connected"), "web.connected")) !== true) throw new TestFailure("UNEXPECTED_RESPONSE", hint ? `${NOT_CONNECTED} ${hint}` : NOT_CONNECTED);
  }
  return { call, raw: (m, p) => raw(m, p) };
}

type Call = (method: string, params?: unknown[]) => Promise<RpcReply>;

/**
 * What the Connection Manager does: pick a known daemon (an online one first) and connect the web UI to it.
 * Returns a hint for the error message when no known daemon was online.
 */
async function connectToDaemon(call: Call): Promise<string | undefined> {
  const hosts = await ok(call("web.get_hosts"), "web.get_hosts");
  if (!Array.isArray(hosts) || hosts.length === 0) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `${NOT_CONNECTED} No daemon is listed there yet: add one (usually 127.0.0.1:58846).`);
  }
  const ids = hosts
    .slice(0, MAX_HOSTS)
    .map((h) => (Array.isArray(h) && typeof h[0] === "string" ? h[0] : undefined))
    .filter((h): h is string => Boolean(h));
  if (ids.length === 0) throw notDeluge(200);
  let chosen: string | undefined;
  for (const hostId of ids) {
    const status = await call("web.get_host_status", [hostId]);
    if (!status.error && Array.isArray(status.result) && /online|connected/i.test(String(status.result[1]))) {
      chosen = hostId;
      break;
    }
  }
  const connect = await call("web.connect", [chosen ?? ids[0]!]);
  if (connect.error) {
    throw new TestFailure("UNEXPECTED_RESPONSE", `${NOT_CONNECTED} Connecting to the listed daemon failed: ${String(connect.error.message ?? "unknown error").slice(0, 200)}`);
  }
  if (!chosen) {
    // Tell where the web UI looks for its daemon (host and port only; the host list also holds daemon logins).
    const where = hosts
      .slice(0, MAX_HOSTS)
      .map((h) => (Array.isArray(h) && typeof h[1] === "string" && typeof h[2] === "number" ? `${h[1]}:${h[2]}` : undefined))
      .filter(Boolean);
    return where.length ? `No daemon it knows is online (${where.join(", ")}): start deluged or fix the address.` : undefined;
  }
  return undefined;
}

async function ok(reply: Promise<RpcReply>, method: string): Promise<unknown> {
  const r = await reply;
  if (r.error) throw rpcError(method, r.error);
  return r.result;
}

async function rpc(http: HttpSession, method: string, params: unknown[], id: number): Promise<RpcReply> {
  // Deluge 2.0 accepts exactly "application/json" (no charset); http.ts sets exactly that for `json`.
  const res = await http.request({ method: "POST", path: "/json", json: { method, params, id }, headers: { "content-type": "application/json" } });
  if (res.status !== 200) throw badStatus(res);
  // Anything that is not a JSON-RPC reply is another web page (its own message, not the kit's shape error).
  const body = Reply.safeParse(tryJson(res.text));
  if (!body.success) throw notDeluge(res.status);
  return body.data;
}

function rpcError(method: string, error: NonNullable<RpcReply["error"]>): TestFailure {
  const code = typeof error.code === "number" ? error.code : undefined;
  const message = typeof error.message === "string" ? error.message.slice(0, 200) : "unknown error";
  if (code === 1) {
    return new TestFailure("INVALID_CREDENTIALS", `Deluge did not accept the login session (${message}). ${HINT}`, { rpcError: code });
  }
  if (code === 5) {
    return new TestFailure("UNEXPECTED_RESPONSE", `Deluge refused the request format (${message}). Is a proxy in front of Deluge rewriting requests?`, { rpcError: code });
  }
  return new TestFailure("UNEXPECTED_RESPONSE", `Deluge answered ${method} with an error: ${message}`, code === undefined ? undefined : { rpcError: code });
}

function badStatus(res: HttpResponse): TestFailure {
  if (res.status === 401 || res.status === 404 || res.status === 405 || res.status === 400 || res.status < 300) {
    if (res.status === 401) {
      const realm = /realm="?([^",]*)/i.exec(res.header("www-authenticate") ?? "")?.[1];
      return new TestFailure(
        "UNEXPECTED_RESPONSE",
        `This address asks for an HTTP login${realm ? ` for "${realm.slice(0, 60)}"` : ""}; Deluge's web UI has none. Check the URL and port (the web UI port, 8112 by default); a reverse proxy with its own login in front of Deluge is not supported.`,
        { statusCode: 401 },
      );
    }
    return notDeluge(res.status);
  }
  if (res.status >= 500 && /twisted/i.test(res.header("server") ?? "")) {
    return new TestFailure("HTTP_ERROR", `Deluge's web UI answered HTTP ${res.status}; check its log (deluge-web).`, { statusCode: res.status });
  }
  return new TestFailure("HTTP_ERROR", `The address answered HTTP ${res.status} to Deluge's JSON-RPC (POST /json). Check the URL and port (8112 by default).`, {
    statusCode: res.status,
  });
}

function notDeluge(status: number): TestFailure {
  return new TestFailure(
    "UNEXPECTED_RESPONSE",
    "This address does not answer like Deluge's web UI (JSON-RPC at /json). Check the URL and port (the web UI port, 8112 by default, not the daemon port 58846).",
    { statusCode: status },
  );
}

