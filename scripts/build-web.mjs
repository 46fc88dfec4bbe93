#!/usr/bin/env node
// Builds the web UI into web/dist when its sources changed since the last build (`prestart`), or always
// with --force (`npm run build:web`). Fast when nothing changed (one hash over web/ and the lock file).
// Never stops the server from starting: without vite (npm ci --omit=dev) or on a failed build it warns,
// and the server answers `/` with a note on how to build.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { BUDGET_KB, kb, landingLine, routeSizes } from "./route-budget.mjs";

const root = path.resolve(import.meta.dirname, "..");
const web = path.join(root, "web");
const dist = path.join(web, "dist");
const stamp = path.join(dist, ".source-hash");
const cache = path.join(root, "node_modules", ".cache", "patchbay-web");
const lock = path.join(cache, "lock");
const force = process.argv.includes("--force");

function files(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

function sourceHash() {
  const h = crypto.createHash("sha256");
  const inputs = [
    path.join(web, "index.html"),
    path.join(web, "vite.config.ts"),
    ...files(path.join(web, "src")),
    ...files(path.join(web, "public")),
    path.join(root, "package-lock.json"),
  ].sort();
  for (const f of inputs) {
    if (!fs.existsSync(f)) continue;
    h.update(path.relative(root, f)).update("\0").update(fs.readFileSync(f)).update("\0");
  }
  return h.digest("hex");
}

const upToDate = (hash) => fs.existsSync(path.join(dist, "index.html")) && fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === hash;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const hash = sourceHash();
if (!force && upToDate(hash)) process.exit(0);

let vite;
try {
  vite = await import("vite");
} catch {
  console.warn(
    fs.existsSync(path.join(dist, "index.html"))
      ? "patchbay: web UI sources changed but vite is not installed; serving the existing web/dist."
      : "patchbay: the web UI is not built and vite is not installed (install the dev dependencies, then `npm run build:web`).",
  );
  process.exit(0);
}

// One builder at a time (several `npm start` at once, as in the test suite): the others wait for it.
fs.mkdirSync(cache, { recursive: true });
const deadline = Date.now() + 120_000;
for (;;) {
  try {
    fs.mkdirSync(lock);
    break;
  } catch {
    const age = Date.now() - (fs.statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
    if (age > 120_000) fs.rmSync(lock, { recursive: true, force: true });
    else if (Date.now() > deadline) break;
    else await sleep(200);
    if (!force && upToDate(hash)) process.exit(0);
  }
}

/** Prints what each route loads on first visit; over the landing route's budget the build fails (and is not installed). */
function budget(dir) {
  const { landing, routes } = routeSizes(dir, fs.readFileSync(path.join(web, "src", "App.tsx"), "utf8"));
  for (const r of routes) console.log(`patchbay:   ${r.path.padEnd(28)} ${kb(r.gzipBytes).padStart(7)} kB gzip (${r.files.length} files)`);
  const home = routes.find((r) => r.path === landing);
  if (!home) throw new Error(`the landing route ${landing} is not in the ROUTES table of web/src/App.tsx`);
  console.log(landingLine(landing, home.gzipBytes));
  if (home.gzipBytes > BUDGET_KB * 1000) throw new Error(`over budget: the landing route ${landing} loads ${kb(home.gzipBytes)} kB of JavaScript (gzip), more than ${BUDGET_KB} kB`);
}

const out = path.join(cache, `dist-${process.pid}`);
const started = Date.now();
try {
  console.log("patchbay: building the web UI…");
  await vite.build({ configFile: path.join(web, "vite.config.ts"), logLevel: "warn", build: { outDir: out, emptyOutDir: true } });
  budget(out);
  fs.writeFileSync(path.join(out, ".source-hash"), hash);
  fs.rmSync(dist, { recursive: true, force: true });
  fs.renameSync(out, dist);
  console.log(`patchbay: web UI built into web/dist in ${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (e) {
  console.warn("patchbay: building the web UI failed; the API still starts.\n", e);
  fs.rmSync(out, { recursive: true, force: true });
  if (force) process.exitCode = 1;
} finally {
  fs.rmSync(lock, { recursive: true, force: true });
}
