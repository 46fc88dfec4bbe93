import http from "node:http";

export interface RawResult {
  status: number;
  body: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes of the body the client had written when the answer came. */
  sent: number;
}

/**
 * POSTs `total` bytes in 64 KiB chunks, declared (Content-Length) or chunked, and stops writing as soon as
 * the answer arrives — as an attacker's client would not, but the point is when the server answered.
 */
export function rawPost(url: string, path: string, opts: { total: number; contentType?: string; chunked?: boolean; headers?: Record<string, string> }): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const headers: Record<string, string> = { ...(opts.contentType ? { "content-type": opts.contentType } : {}), ...opts.headers };
    if (!opts.chunked) headers["content-length"] = String(opts.total);
    const req = http.request({ host: hostname, port, path, method: "POST", headers, agent: false });
    req.on("response", (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString(), headers: res.headers, sent });
      });
    });
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!answered && sent < opts.total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, opts.total - sent));
        sent += piece.length;
        if (!req.write(piece)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}
