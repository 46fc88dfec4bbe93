import { execFileSync } from "node:child_process";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";

/** A self-signed certificate made with the system openssl for the given names. */
export function selfSignedCert(opts: { cn: string; san: string; days?: number }): { key: string; cert: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-cert-"));
  try {
    execFileSync(
      "openssl",
      [
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
        "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem"),
        "-days", String(opts.days ?? 30), "-subj", `/CN=${opts.cn}`, "-addext", `subjectAltName=${opts.san}`,
      ],
      { stdio: "ignore" },
    );
    return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** An HTTPS server with the given certificate, answering like a Sonarr whose API key is `apiKey`. */
export async function startHttpsSonarr(cert: { key: string; cert: string }, apiKey: string) {
  const server = https.createServer({ key: cert.key, cert: cert.cert }, (req, res) => {
    if (req.headers["x-api-key"] !== apiKey) {
      res.writeHead(401);
      res.end();
      return;
    }
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ appName: "Sonarr", version: "4.0.14.2939" }));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}
