import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { ServerOptions } from "node:http";
import type { Config } from "../config.js";

/**
 * Request limits that hold before any route, authentication or body buffering runs:
 * - every body is JSON (the only type any route reads), so other content types (multipart/form-data,
 *   text/plain, octet-stream, none) are 415 at the first byte — no parser ever buffers them;
 * - a declared Content-Length above the body limit is 413 at once; a chunked body is counted as it streams
 *   by Fastify's JSON parser and cut off at the limit (413);
 * - a body that trickles is ended by Node's requestTimeout (408);
 * - JSON nested deeper than MAX_JSON_DEPTH is 400 before it is parsed (it would otherwise overflow the stack
 *   in whatever walks it, and "Maximum call stack size exceeded" is no answer to give).
 */

export const MAX_JSON_DEPTH = 64;

/** The tRPC-style code of a framework-level failure status (the shape REST and these limits answer in). */
export const CODE_BY_STATUS: Record<number, string> = { 400: "BAD_REQUEST", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND", 405: "METHOD_NOT_SUPPORTED", 408: "TIMEOUT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE" };

/** Options for http.createServer: Node checks request timeouts only every connectionsCheckingInterval. */
export function httpServerOptions(config: Pick<Config, "requestTimeoutMs">): ServerOptions {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: Math.min(60_000, config.requestTimeoutMs),
    connectionsCheckingInterval: Math.max(50, Math.min(30_000, Math.floor(config.requestTimeoutMs / 4))),
  };
}

/** The nesting depth of a JSON text beyond `max`, scanned without recursion: true when it is deeper. */
export function jsonTooDeep(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

const JSON_TYPE = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
const isJson = (type: string) => JSON_TYPE.test(type.trim());

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers["content-length"];
  return (length !== undefined && length !== "0") || req.headers["transfer-encoding"] !== undefined;
}

function refuse(reply: FastifyReply, status: 400 | 413 | 415, code: string, message: string) {
  return reply.code(status).type("application/json; charset=utf-8").send(JSON.stringify({ message, code }));
}

/** How long the rest of a refused body is read and thrown away before the connection is cut. */
const LINGER_MS = 2_000;

export function registerRequestLimits(app: FastifyInstance, config: Pick<Config, "bodyLimit">): void {
  app.addHook("onRequest", async (req, reply) => {
    // On the raw response, so that hijacked replies (MCP) carry it too.
    reply.raw.setHeader("x-content-type-options", "nosniff");
    if (!hasBody(req)) return;
    const declared = Number(req.headers["content-length"]);
    if (Number.isFinite(declared) && declared > config.bodyLimit) {
      return refuse(reply, 413, "PAYLOAD_TOO_LARGE", `body: larger than the limit of ${config.bodyLimit} bytes`);
    }
    if (!isJson(String(req.headers["content-type"] ?? ""))) {
      return refuse(reply, 415, "UNSUPPORTED_MEDIA_TYPE", "content-type: send the body as application/json");
    }
  });

  // A refused body is not buffered, and the connection is not cut at once either: closing a socket with
  // unread data makes the kernel reset it, and the client loses the answer (ECONNRESET instead of 413). So
  // reading stops (the client's upload stalls on TCP backpressure, costing nothing here), the client has
  // LINGER_MS to read the answer, then the socket is closed.
  const refusedBody = (req: FastifyRequest, reply: FastifyReply) => !req.raw.complete && (reply.statusCode === 413 || reply.statusCode === 415);
  app.addHook("onSend", async (req, reply) => {
    if (!refusedBody(req, reply)) return;
    // Tell the client this connection ends, so it does not send its next request on a socket we are about to
    // cut. Node would then destroy the socket right after the answer (a reset, with the body unread); a
    // half-close (FIN) instead lets the answer arrive and the linger below end the socket.
    reply.header("connection", "close");
    const socket = req.raw.socket as (typeof req.raw.socket & { destroySoon?: () => void }) | null;
    if (socket) socket.destroySoon = () => void socket.end();
  });
  app.addHook("onResponse", async (req, reply) => {
    const raw = req.raw;
    if (!refusedBody(req, reply) || raw.destroyed) return;
    // After Node's own end-of-response handling, which would otherwise read the rest of the body.
    setImmediate(() => raw.socket?.pause());
    const timer = setTimeout(() => raw.socket?.destroy(), LINGER_MS);
    timer.unref();
    raw.once("close", () => clearTimeout(timer));
  });

  // The default JSON parser, with the depth check first and no parser text in the message.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser(JSON_TYPE, { parseAs: "string", bodyLimit: config.bodyLimit }, (_req, body, done) => {
    const text = body as string;
    if (text === "") return done(null, undefined);
    if (jsonTooDeep(text)) return done(Object.assign(new Error(`body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 }), undefined);
    try {
      done(null, JSON.parse(text, (key, value) => (key === "__proto__" ? undefined : value)));
    } catch {
      done(Object.assign(new Error("body: not valid JSON"), { statusCode: 400 }), undefined);
    }
  });

  // Answers of failures outside a route's own handling: 4xx keep their (own, field-naming) message, 5xx never
  // show theirs — it may hold SQL or stored values; the log has the details.
  app.setErrorHandler((err: Error & { statusCode?: number }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) req.log.error({ err }, "request failed");
    return reply
      .code(status)
      .type("application/json; charset=utf-8")
      .send(JSON.stringify({ message: status >= 500 ? "Internal server error" : err.message, code: status >= 500 ? "INTERNAL_SERVER_ERROR" : (CODE_BY_STATUS[status] ?? "BAD_REQUEST") }));
  });

  // tRPC parses its own bodies (its plugin passes the text through): the same depth check, before any procedure.
  app.addHook("preHandler", async (req, reply) => {
    if (typeof req.body === "string" && jsonTooDeep(req.body)) {
      return refuse(reply, 400, "BAD_REQUEST", `body: JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
    }
  });
}
