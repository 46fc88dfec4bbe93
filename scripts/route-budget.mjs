// What JavaScript each page route of the web UI loads on its first visit (gzip), from Vite's build manifest,
// and the budget of the landing route. Used by scripts/build-web.mjs (prints it, fails over budget) and by
// test/e2e/bundle.test.ts.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";

/** The landing route may load at most this much JavaScript, gzip (issue #13); PATCHBAY_WEB_BUDGET_KB overrides it for tests. */
export const BUDGET_KB = Number(process.env.PATCHBAY_WEB_BUDGET_KB ?? 300);

/**
 * The routes of web/src/App.tsx: its ROUTES table (`{ path: "/x", page: lazy(() => import("./pages/x")) }`)
 * and its LANDING constant (where "/" leads after sign-in).
 */
export function readRoutes(appSource) {
  const routes = [...appSource.matchAll(/^\s*\{\s*path:\s*"([^"]+)",\s*page:\s*lazy\(\s*\(\)\s*=>\s*import\(\s*"([^"]+)"\s*\)\s*\)/gm)].map((m) => ({ path: m[1], module: m[2] }));
  const landing = /export const LANDING\s*=\s*"([^"]+)"/.exec(appSource)?.[1];
  return { routes, landing };
}

/** The manifest key of an import specifier of App.tsx ("./pages/admin" → "src/pages/admin/index.tsx"). */
function manifestKey(manifest, specifier) {
  const base = path.posix.join("src", specifier);
  const key = [base, `${base}.tsx`, `${base}.ts`, `${base}/index.tsx`, `${base}/index.ts`].find((k) => manifest[k]);
  if (!key) throw new Error(`the build manifest has no chunk for ${specifier}`);
  return key;
}

/** A chunk's file and the files of everything it imports statically (what the browser fetches with it). */
function closure(manifest, key, files = new Set()) {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return files;
  files.add(chunk.file);
  for (const dep of chunk.imports ?? []) closure(manifest, dep, files);
  return files;
}

/**
 * Per route: the JavaScript files loaded on a first visit (the entry with its static imports, plus the route's
 * lazy page chunk with its static imports) and their total gzip size in bytes.
 */
export function routeSizes(distDir, appSource) {
  const manifest = JSON.parse(fs.readFileSync(path.join(distDir, ".vite", "manifest.json"), "utf8"));
  const entry = Object.keys(manifest).find((k) => manifest[k].isEntry);
  if (!entry) throw new Error("the build manifest has no entry chunk");
  const gzip = new Map();
  const gz = (file) => {
    if (!gzip.has(file)) gzip.set(file, zlib.gzipSync(fs.readFileSync(path.join(distDir, file))).length);
    return gzip.get(file);
  };
  const { routes, landing } = readRoutes(appSource);
  const sizes = routes.map((r) => {
    const files = closure(manifest, manifestKey(manifest, r.module), closure(manifest, entry));
    const js = [...files].filter((f) => f.endsWith(".js"));
    return { path: r.path, module: r.module, files: js, gzipBytes: js.reduce((n, f) => n + gz(f), 0) };
  });
  return { entry: manifest[entry].file, landing, routes: sizes };
}

export const kb = (bytes) => (bytes / 1000).toFixed(1);

/** The line the build prints for the landing route (the lead's acceptance check reads it). */
export function landingLine(landing, bytes) {
  return `patchbay: the landing route ${landing} loads ${kb(bytes)} kB of JavaScript (gzip) on first visit; budget ${BUDGET_KB} kB`;
}
