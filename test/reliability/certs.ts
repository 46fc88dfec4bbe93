import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

/**
 * Certificates for the TLS fault tests, made with the system openssl (3.0 has no `x509 -not_before`, so a
 * leaf with dates in the past is issued with `openssl ca -startdate/-enddate` from a throwaway CA).
 */
export interface TestCa {
  cert: string;
  /** A leaf for `san`, signed by this CA, valid between the given dates (YYYYMMDDHHMMSSZ) or for 30 days. */
  issue(opts: { cn: string; san: string; startdate?: string; enddate?: string }): { key: string; cert: string };
  dispose(): void;
}

export function makeCa(name = "Patchbay Reliability CA"): TestCa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-ca-"));
  const run = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  run([
    "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
    "-days", "30", "-subj", `/CN=${name}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  fs.writeFileSync(path.join(dir, "index.txt"), "");
  fs.writeFileSync(path.join(dir, "serial"), "1000\n");
  fs.writeFileSync(
    path.join(dir, "ca.cnf"),
    [
      "[ ca ]", "default_ca = CA_default",
      "[ CA_default ]", `dir = ${dir}`, "database = $dir/index.txt", "new_certs_dir = $dir", "serial = $dir/serial",
      "default_md = sha256", "policy = policy_any", "copy_extensions = copy", "unique_subject = no", "default_days = 30",
      "[ policy_any ]", "commonName = supplied",
    ].join("\n") + "\n",
  );
  let n = 0;
  return {
    cert: fs.readFileSync(path.join(dir, "ca.pem"), "utf8"),
    issue(opts) {
      const base = `leaf${n++}`;
      run([
        "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`,
        "-subj", `/CN=${opts.cn}`, "-addext", `subjectAltName=${opts.san}`,
      ]);
      const dates = opts.startdate && opts.enddate ? ["-startdate", opts.startdate, "-enddate", opts.enddate] : [];
      run(["ca", "-batch", "-notext", "-config", "ca.cnf", "-cert", "ca.pem", "-keyfile", "ca.key", ...dates, "-in", `${base}.csr`, "-out", `${base}.pem`]);
      return { key: fs.readFileSync(path.join(dir, `${base}.key`), "utf8"), cert: fs.readFileSync(path.join(dir, `${base}.pem`), "utf8") };
    },
    dispose: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
