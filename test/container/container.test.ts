import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Client as McpClient } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeClient } from "../helpers/patchbay.js";
import { freePort, ROOT } from "../helpers/process.js";
import { redisAvailable, startRedis } from "../helpers/redis.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { canConnect } from "../../src/kinds/testing/real-daemon.js";
import { logs, podman, podmanMissing, podmanOk, readCompose, runArgs, script, waitHealthy } from "./podman.js";

/**
 * The container image for real, with podman: built from a clean copy of the tree by scripts/container-test.sh
 * (on a local stand-in for the official Node image, since no registry is reachable), then run the way
 * compose.yaml and compose.postgres.yaml describe — their services are read and turned into `podman run`.
 * Host networking: the emulator, PostgreSQL, Redis and nginx run on this machine's loopback.
 */
const missing = podmanMissing();
const enabled = missing === undefined;
// In CI (PATCHBAY_REQUIRE_REAL_SERVERS=1) a missing engine is a failed test, counted in the totals.
if (!enabled && process.env.PATCHBAY_REQUIRE_REAL_SERVERS === "1") {
  describe("container engine", () => {
    it("podman, runc and debootstrap are installed", () => {
      throw new Error(missing);
    });
  });
}
const single = readCompose("compose.yaml");
const multi = readCompose("compose.postgres.yaml");
const IMAGE = single.services.patchbay!.image;
const prefix = `pb-ci-${crypto.randomBytes(3).toString("hex")}`;
const containers: string[] = [];
const volumes: string[] = [];
const secrets: string[] = [];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pb-container-"));
fs.chmodSync(tmp, 0o711); // the postgres user reaches its data dir inside; nothing here can be listed

async function createSecret(name: string, content: string): Promise<void> {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, content, { mode: 0o600 });
  await podmanOk(["secret", "create", `${prefix}-${name}`, file]);
  secrets.push(`${prefix}-${name}`);
}

async function cookieLogin(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/trpc/auth.login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ json: { username, password } }) });
  expect(res.status).toBe(200);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

/** From Patchbay's own log: milliseconds between "shutting down" and "shut down cleanly" (pino's `time`). */
function inProcessShutdownMs(log: string): number {
  const time = (msg: string) => JSON.parse(log.split("\n").find((l) => l.includes(`"msg":"${msg}"`))!).time as number;
  return time("shut down cleanly") - time("shutting down");
}

/**
 * Stops a container like `docker stop` does. exitMs: from the stop until the container's process exited
 * (podman's State.FinishedAt); totalMs: until `podman stop` returned, which adds podman's own clean-up.
 */
async function stopTimed(name: string): Promise<{ exitMs: number; totalMs: number }> {
  const issued = Date.now();
  await podmanOk(["stop", "-t", "10", name], 30_000);
  const totalMs = Date.now() - issued;
  const [info] = JSON.parse(await podmanOk(["inspect", name]));
  const finished = Date.parse(String(info.State.FinishedAt).replace(/(\.\d{3})\d*/, "$1"));
  expect(info.State.ExitCode).toBe(0); // its own clean exit: not killed after the timeout, not the forced exit
  return { exitMs: finished - issued, totalMs };
}

beforeAll(async () => {
  if (!enabled) return;
  const r = await script(["build"], { PATCHBAY_IMAGE: IMAGE }, 30 * 60_000);
  if (r.code !== 0) throw new Error(`the image did not build:\n${r.stderr.slice(-6000)}`);
  console.log(r.stderr.split("\n").filter((l) => /^(built|building the stand-in)/.test(l)).join("\n"));
}, 31 * 60_000);

afterAll(async () => {
  if (enabled) {
    for (const c of containers) await podman(["rm", "-f", "-v", "-t", "0", c]);
    for (const v of volumes) await podman(["volume", "rm", "-f", v]);
    for (const s of secrets) await podman(["secret", "rm", s]);
  }
  fs.rmSync(tmp, { recursive: true, force: true });
}, 120_000);

describe("compose files", () => {
  it("compose.yaml and compose.postgres.yaml build the same image from the Containerfile, and every *_FILE is a declared secret", () => {
    const replicas = ["patchbay-1", "patchbay-2"].map((n) => multi.services[n]!);
    for (const svc of [single.services.patchbay!, ...replicas]) {
      expect(svc.image).toBe(IMAGE);
      expect(svc.build).toEqual({ context: ".", dockerfile: "Containerfile" });
      for (const [k, v] of Object.entries(svc.environment ?? {})) {
        if (!k.endsWith("_FILE")) continue;
        const name = /^\/run\/secrets\/([\w.-]+)$/.exec(v)?.[1];
        expect(name, `${k}=${v}`).toBeDefined();
        expect(svc.secrets).toContain(name);
      }
    }
    expect(replicas[0]).toEqual(replicas[1]);
    expect(single.services.patchbay!.volumes).toEqual(["patchbay-data:/data"]);
    expect(single.services.patchbay!.ports).toEqual(["7575:7575"]);
    expect(Object.keys(multi.secrets ?? {}).sort()).toEqual(["admin_password", "database_url", "patchbay_key", "postgres_password"]);
    expect(multi.services.proxy!.ports).toEqual(["7575:7575"]);
    expect(multi.services.proxy!.volumes).toEqual(["./deploy/nginx.conf:/etc/nginx/conf.d/default.conf:ro"]);
    expect(fs.existsSync(path.join(ROOT, "deploy", "nginx.conf"))).toBe(true);
  });
});

describe.skipIf(!enabled)("the image", () => {
  it("holds production dependencies and bundles only: no compilers, no dev dependencies, no TypeScript loader; size printed", async () => {
    const inside = await podmanOk([
      "run", "--rm", "--network", "host", IMAGE, "sh", "-c",
      "for c in g++ gcc make python3 tsx; do command -v $c >/dev/null && echo has:$c; done; cd /app/node_modules && ls -d [!@]* @*/*; ls /app /app/build; id -u",
    ]);
    expect(inside).not.toMatch(/^has:/m);
    const entries = inside.split("\n");
    for (const dev of ["vite", "vitest", "typescript", "tsx", "esbuild", "react", "@mantine/core", "playwright-core", "@types/node", "swagger-ui-dist"]) expect(entries).not.toContain(dev);
    for (const prod of ["better-sqlite3", "fastify", "pg", "ioredis", "mysql2", "@trpc/server", "@modelcontextprotocol/sdk"]) expect(entries).toContain(prod);
    expect(entries).not.toContain("src");
    expect(entries.at(-1)).toBe("1000");
    const [image] = JSON.parse(await podmanOk(["image", "inspect", IMAGE]));
    expect(image.Config.User).toBe("node");
    expect(Object.keys(image.Config.ExposedPorts)).toEqual(["7575/tcp"]);
    expect(Object.keys(image.Config.Volumes)).toEqual(["/data"]);
    expect(image.Config.StopSignal).toBe("SIGTERM");
    expect(image.Healthcheck.Test.join(" ")).toContain("/api/health");

    const size = Number(image.Size);
    const base = Number(await podmanOk(["image", "inspect", "--format", "{{.Size}}", (await script(["base"])).stdout.trim()]));
    const mb = (n: number) => (n / 1e6).toFixed(0);
    console.log(`image ${IMAGE}: ${mb(size)} MB uncompressed — the stand-in base ${mb(base)} MB + Patchbay's layers ${mb(size - base)} MB`);
    // What the project adds on top of any base: production node_modules, two bundles, web/dist. Dev
    // dependencies alone would add several hundred MB.
    expect(size - base).toBeLessThan(80e6); // 48 MB on 2026-12-01
  }, 120_000);
});

describe.skipIf(!enabled)("compose.yaml: one container on SQLite", () => {
  const svc = single.services.patchbay!;
  let sonarr: ArrEmulator;
  let port: number;
  let url: string;
  const API_KEY = crypto.randomBytes(16).toString("hex");
  const first = `${prefix}-a`;
  const second = `${prefix}-b`;
  let integrationId: string;
  let startMs: number;

  beforeAll(async () => {
    sonarr = await startArr({ app: "Sonarr", apiKey: API_KEY });
    port = await freePort();
    url = `http://127.0.0.1:${port}`;
    volumes.push(`${prefix}-patchbay-data`);
  });
  afterAll(async () => {
    await sonarr?.close();
  });
  const env = () => ({ PORT: String(port), HOST: "127.0.0.1" });

  it("starts, answers /api/health within 10 s, runs as a non-root user, passes its HEALTHCHECK", async () => {
    containers.push(first);
    await podmanOk(runArgs(svc, { name: first, prefix, env: env() }));
    startMs = await waitHealthy(url, first, 10_000);
    console.log(`container start → /api/health 200: ${startMs} ms`);
    expect(startMs).toBeLessThan(10_000);
    const status = await podmanOk(["exec", first, "cat", "/proc/1/status"]);
    expect(/^Uid:\s+(\d+)/m.exec(status)![1]).toBe("1000");
    expect(await podmanOk(["exec", first, "cat", "/proc/1/cmdline"])).toContain("build/server/main.js");
    const health = await podman(["healthcheck", "run", first]);
    expect(health.code).toBe(0);
  }, 60_000);

  it("onboarding with the setup token from `podman logs` (README), then an integration against an emulator on the host", async () => {
    const token = /setup token: (\S+?)"/.exec(await logs(first))?.[1];
    expect(token).toBeDefined();
    const anonymous = makeClient(url);
    expect(await anonymous.onboarding.status.query()).toEqual({ needsSetup: true });
    await anonymous.onboarding.createAdmin.mutate({ setupToken: token!, username: "owner", password: "owner-password-1" });
    const api = makeClient(url, { cookie: await cookieLogin(url, "owner", "owner-password-1") });
    const created = await api.integration.create.mutate({ name: "Sonarr", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: API_KEY }] });
    expect(created).toEqual({ id: expect.any(String) });
    integrationId = (created as { id: string }).id;
  }, 30_000);

  it("MCP works in the image (it keeps the MCP SDK by default); /api/docs says how to add Swagger UI, which it leaves out", async () => {
    const api = makeClient(url, { cookie: await cookieLogin(url, "owner", "owner-password-1") });
    const { token } = await api.auth.createApiKey.mutate({ name: "agent" });
    const client = new McpClient({ name: "container-test", version: "1.0.0" });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${url}/api/mcp`), { requestInit: { headers: { ApiKey: token } } }));
    try {
      const { tools } = await client.listTools();
      expect(tools.map((t) => t.name)).toContain("testConnection");
      const result = (await client.callTool({ name: "testConnection", arguments: { id: integrationId } })) as { isError?: boolean; content: { text: string }[] };
      expect(result.isError).toBeFalsy();
      expect(JSON.parse(result.content[0]!.text)).toMatchObject({ ok: true, version: "4.0.14.2939" });
    } finally {
      await client.close();
    }
    const docs = await fetch(`${url}/api/docs`);
    expect(docs.status).toBe(503);
    expect(await docs.text()).toContain("npm install --no-save swagger-ui-dist@");
  }, 30_000);

  it("the operator CLI works inside the container (`podman exec … patchbay test`)", async () => {
    const r = await podman(["exec", first, "patchbay", "test", "Sonarr", "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, version: "4.0.14.2939", integration: { id: integrationId } });
  }, 30_000);

  it("`podman stop` ends within 5 s with the clean shutdown line, and SQLite is checkpointed (no WAL left)", async () => {
    const { exitMs, totalMs } = await stopTimed(first);
    const log = await logs(first);
    expect(log).toContain('"msg":"shut down cleanly"');
    console.log(`podman stop (SQLite): Patchbay shut down in ${inProcessShutdownMs(log)} ms; the container exited after ${exitMs} ms; podman stop returned after ${totalMs} ms`);
    expect(exitMs).toBeLessThan(5000);
    const mount = await podmanOk(["volume", "inspect", "--format", "{{.Mountpoint}}", `${prefix}-patchbay-data`]);
    expect(fs.existsSync(path.join(mount, "patchbay.db"))).toBe(true);
    expect(fs.statSync(path.join(mount, "patchbay.db-wal"), { throwIfNoEntry: false })?.size ?? 0).toBe(0);
    expect(fs.statSync(path.join(mount, "secret.key")).mode & 0o777).toBe(0o600);
  }, 30_000);

  it("data survives: a new container on the same volume has the integration and its secret; its connection test passes", async () => {
    await podmanOk(["rm", first]);
    containers.push(second);
    await podmanOk(runArgs(svc, { name: second, prefix, env: env() }));
    await waitHealthy(url, second, 10_000);
    expect(await logs(second)).not.toContain("setup token");
    const api = makeClient(url, { cookie: await cookieLogin(url, "owner", "owner-password-1") });
    expect(await api.integration.byId.query({ id: integrationId })).toMatchObject({ id: integrationId, name: "Sonarr", url: sonarr.url });
    expect(await api.integration.testConnection.mutate({ id: integrationId })).toEqual({ ok: true, version: "4.0.14.2939" });
    await stopTimed(second);
  }, 60_000);

  it("with the wrong key file (a podman secret) it refuses to start, saying why", async () => {
    await createSecret("wrong_key", `${crypto.randomBytes(32).toString("hex")}\n`);
    const name = `${prefix}-wrong-key`;
    containers.push(name);
    const args = runArgs({ ...svc, secrets: ["wrong_key"] }, { name, prefix, env: { ...env(), SECRET_ENCRYPTION_KEY_FILE: "/run/secrets/wrong_key" } });
    await podmanOk(args);
    expect(await podmanOk(["wait", name], 30_000)).toBe("2");
    const out = await logs(name);
    expect(out).toMatch(/Patchbay cannot start: .*not the key this database was encrypted with/);
    expect(out).not.toMatch(/[0-9a-f]{64}/); // the key itself is never printed
  }, 60_000);
});

describe.skipIf(!enabled || !redisAvailable())("compose.postgres.yaml: two replicas on PostgreSQL + Redis behind nginx", () => {
  const svc = multi.services["patchbay-1"]!;
  const pgDir = path.join(tmp, "pg");
  let pgPort: number;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let nginx: ChildProcess | undefined;
  const ports: number[] = [];
  let proxyPort: number;
  const names = [`${prefix}-r1`, `${prefix}-r2`];
  const ADMIN_PASSWORD = crypto.randomBytes(12).toString("base64url");

  beforeAll(async () => {
    if (spawnSync("sh", ["-c", "command -v nginx"]).status !== 0) {
      throw new Error("nginx not installed (apt-get install -y nginx-light): it is the one port in front of the replicas");
    }
    pgPort = await freePort();
    const pg = spawnSync("bash", [path.join(ROOT, "scripts", "pg-start.sh")], { env: { ...process.env, PGDIR: pgDir, PGPORT: String(pgPort) }, encoding: "utf8" });
    if (pg.status !== 0) throw new Error(`PostgreSQL did not start: ${pg.stderr}`);
    redis = await startRedis();
    // The secrets compose.postgres.yaml declares, as podman secrets; the database URL points at loopback.
    await createSecret("patchbay_key", `${crypto.randomBytes(32).toString("hex")}\n`);
    await createSecret("database_url", `postgres://ptest@127.0.0.1:${pgPort}/ptest\n`);
    await createSecret("admin_password", `${ADMIN_PASSWORD}\n`);
    for (let i = 0; i < 2; i++) ports.push(await freePort());
    const hosts = { "redis:6379": redis.url.replace("redis://", ""), "postgres:5432": `127.0.0.1:${pgPort}` };
    containers.push(...names);
    // Both at once, as compose starts them: they race to migrate and to create the first admin.
    await Promise.all(names.map((name, i) => podmanOk(runArgs(svc, { name, prefix, env: { PORT: String(ports[i]), HOST: "127.0.0.1" }, hosts }))));
    await Promise.all(names.map((name, i) => waitHealthy(`http://127.0.0.1:${ports[i]}`, name, 30_000)));

    // nginx with deploy/nginx.conf, the compose host names replaced by the replicas' loopback ports.
    proxyPort = await freePort();
    const conf = fs
      .readFileSync(path.join(ROOT, "deploy", "nginx.conf"), "utf8")
      .replace("patchbay-1:7575", `127.0.0.1:${ports[0]}`)
      .replace("patchbay-2:7575", `127.0.0.1:${ports[1]}`)
      .replace("listen 7575;", `listen 127.0.0.1:${proxyPort};`);
    const dir = path.join(tmp, "nginx");
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, "default.conf"), conf);
    fs.writeFileSync(
      path.join(dir, "nginx.conf"),
      `daemon off; worker_processes 1; pid ${dir}/nginx.pid; error_log stderr warn;
events {}
http { access_log off; client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi; include ${dir}/default.conf; }\n`,
    );
    nginx = spawn("nginx", ["-c", path.join(dir, "nginx.conf"), "-p", dir], { stdio: ["ignore", "ignore", "inherit"] });
    const deadline = Date.now() + 10_000;
    while (!(await canConnect(proxyPort))) {
      if (Date.now() > deadline || nginx.exitCode !== null) throw new Error("nginx did not start");
      await new Promise((r) => setTimeout(r, 50));
    }
  }, 120_000);

  afterAll(async () => {
    if (nginx && nginx.exitCode === null) {
      nginx.kill("SIGTERM");
      await new Promise((r) => nginx!.once("exit", r));
    }
    for (const name of names) await podman(["rm", "-f", "-v", "-t", "0", name]);
    await redis?.stop();
    spawnSync("bash", [path.join(ROOT, "scripts", "pg-stop.sh")], { env: { ...process.env, PGDIR: pgDir } });
  }, 60_000);

  it("both replicas share PostgreSQL and Redis; the first admin comes from PATCHBAY_ADMIN_PASSWORD_FILE, created once", async () => {
    const all = await Promise.all(names.map(logs));
    for (const out of all) expect(out).toContain("login rate limits are shared through Redis");
    expect(all.join("\n").match(/created the first admin from PATCHBAY_ADMIN_USERNAME/g)).toHaveLength(1);
    expect(all.join("\n")).not.toContain(ADMIN_PASSWORD);
  });

  it("a login on one replica works on the other, and through the one port in front of both", async () => {
    const [a, b] = ports.map((p) => `http://127.0.0.1:${p}`) as [string, string];
    const cookie = await cookieLogin(a, "admin", ADMIN_PASSWORD);
    expect((await makeClient(b, { cookie }).auth.session.query())?.user.username).toBe("admin");
    // Through nginx: consecutive calls reach both replicas (round robin), all with the one session.
    const proxy = `http://127.0.0.1:${proxyPort}`;
    const viaProxy = makeClient(proxy, { cookie: await cookieLogin(proxy, "admin", ADMIN_PASSWORD) }, false);
    for (let i = 0; i < 4; i++) expect((await viaProxy.auth.session.query())?.user.username).toBe("admin");
  });

  it("`podman stop` ends each replica within 5 s with the clean shutdown line", async () => {
    for (const name of names) {
      const { exitMs, totalMs } = await stopTimed(name);
      const log = await logs(name);
      expect(log).toContain('"msg":"shut down cleanly"');
      console.log(`podman stop (PostgreSQL replica): Patchbay shut down in ${inProcessShutdownMs(log)} ms; the container exited after ${exitMs} ms; podman stop returned after ${totalMs} ms`);
      expect(exitMs).toBeLessThan(5000);
    }
  }, 60_000);
});
