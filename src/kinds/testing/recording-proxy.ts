import http from "node:http";
import { listenLoopback } from "./server.js";

/**
 * A transparent loopback HTTP proxy in front of a real server: forwards every request unchanged (Host
 * header included) and records what went through, so a test can observe what an adapter really sent and
 * received (e.g. the session cookie a login produced and whether a logout followed).
 */
export interface Exchange {
  method: string;
  path: string;
  requestHeaders: http.IncomingHttpHeaders;
  requestBody: string;
  status: number;
  responseHeaders: http.IncomingHttpHeaders;
  responseBody: string;
}

export interface RecordingProxy {
  url: string;
  exchanges: Exchange[];
  close(): Promise<void>;
}

/**
 * `reverseProxyHeaders`: behave like a well-configured reverse proxy (Host = the upstream's, original Host in
 * X-Forwarded-Host), which servers that validate the Host header (qBittorrent) need. Default: forward as is.
 */
export async function startRecordingProxy(target: string, opts: { reverseProxyHeaders?: boolean } = {}): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const exchanges: Exchange[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const requestBody = Buffer.concat(chunks);
      const headers = { ...req.headers };
      if (opts.reverseProxyHeaders) {
        headers["x-forwarded-host"] = req.headers.host;
        headers.host = upstream.host;
      }
      const out = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
        (up) => {
          const body: Buffer[] = [];
          up.on("data", (c: Buffer) => body.push(c));
          up.on("end", () => {
            const responseBody = Buffer.concat(body);
            exchanges.push({
              method: req.method ?? "GET",
              path: req.url ?? "/",
              requestHeaders: req.headers,
              requestBody: requestBody.toString("utf8"),
              status: up.statusCode ?? 0,
              responseHeaders: up.headers,
              responseBody: responseBody.toString("utf8"),
            });
            res.writeHead(up.statusCode ?? 502, up.rawHeaders);
            res.end(responseBody);
          });
        },
      );
      out.on("error", (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      out.end(requestBody);
    });
  });
  const { port, close } = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges,
    close,
  };
}
