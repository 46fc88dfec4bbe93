import net from "node:net";

export interface RawResult {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** Bytes of the body the client had written when the answer came. */
  sent: number;
}

/**
 * POSTs `total` bytes in 64 KiB chunks, declared (Content-Length) or chunked, over a plain socket, and stops
 * writing as soon as an answer arrives. A plain socket, because an HTTP client drops an answer that comes
 * while it is still uploading once the server closes the connection (EPIPE); what matters here is when the
 * server answered and with what.
 */
export function rawPost(url: string, path: string, opts: { total: number; contentType?: string; chunked?: boolean; headers?: Record<string, string> }): Promise<RawResult> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    let sent = 0;
    let received = "";
    let answered = false;
    let sentAtAnswer = 0;
    const headers: Record<string, string> = { host: `${hostname}:${port}`, ...(opts.contentType ? { "content-type": opts.contentType } : {}), ...opts.headers };
    if (opts.chunked) headers["transfer-encoding"] = "chunked";
    else headers["content-length"] = String(opts.total);
    const finish = () => {
      const [head = "", ...rest] = received.split("\r\n\r\n");
      const [statusLine = "", ...lines] = head.split("\r\n");
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1]);
      if (!status) return reject(new Error(`no HTTP answer (sent ${sent} bytes): ${JSON.stringify(received.slice(0, 200))}`));
      const hs = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
      resolve({ status, body: rest.join("\r\n\r\n"), headers: hs, sent: sentAtAnswer || sent });
    };
    socket.on("data", (d) => {
      received += d.toString("latin1");
      if (!answered && received.includes("\r\n\r\n")) {
        answered = true;
        sentAtAnswer = sent;
        // Give the rest of the answer a moment, then hang up ourselves.
        setTimeout(() => socket.destroy(), 200);
      }
    });
    socket.on("error", () => undefined); // EPIPE/ECONNRESET once the server hung up: expected
    socket.on("close", finish);
    socket.write(`POST ${path} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join("\r\n")}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, "a");
    const pump = () => {
      while (!answered && !socket.destroyed && sent < opts.total) {
        const piece = chunk.subarray(0, Math.min(chunk.length, opts.total - sent));
        sent += piece.length;
        const ok = socket.write(opts.chunked ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from("\r\n")]) : piece);
        if (!ok) return void socket.once("drain", pump);
      }
      if (!answered && !socket.destroyed && opts.chunked) socket.write("0\r\n\r\n");
    };
    pump();
  });
}
