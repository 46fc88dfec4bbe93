import fs from "node:fs";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance } from "fastify";

/** Where `npm run build:web` (and `npm start`, through `prestart`) writes the web UI. */
export const WEB_DIST = path.resolve(import.meta.dirname, "../../web/dist");

const NOT_BUILT = [
  "Patchbay is running, but its web UI has not been built.",
  "",
  "Build it with `npm run build:web` (`npm start` does this on its own when the dev dependencies are installed), then reload.",
  "The API answers at /api/trpc either way.",
  "",
].join("\n");

// The UI loads only its own scripts; images may come from the services (posters, icons).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' http: https: data: blob:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join("; ");

/**
 * The single-page web UI at `/`: the files of web/dist, and index.html for every other GET outside /api
 * (client-side routes such as /integrations/new). Without a build, `/` explains how to make one.
 * Files are served by one wildcard route that looks them up when asked (`wildcard: true`): with a route per
 * file, @fastify/static lists the directory at start with glob, whose path normalisation pages in ICU data
 * (≈ 3 MB of an idle server's RSS).
 */
export async function registerWebUi(app: FastifyInstance, root: string = WEB_DIST): Promise<void> {
  if (!fs.existsSync(path.join(root, "index.html"))) {
    app.get("/", async (_req, reply) => reply.type("text/plain; charset=utf-8").send(NOT_BUILT));
    return;
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: true,
    index: ["index.html"],
    setHeaders(reply, file) {
      reply.header("x-content-type-options", "nosniff");
      if (file.includes(`${path.sep}assets${path.sep}`)) reply.header("cache-control", "public, max-age=31536000, immutable");
      else reply.header("cache-control", "no-cache");
      if (file.endsWith(".html")) {
        reply.header("content-security-policy", CSP);
        reply.header("x-frame-options", "DENY");
        reply.header("referrer-policy", "same-origin");
      }
    },
  });
  // What the wildcard route does not find (and every other unknown path) ends here.
  app.setNotFoundHandler(async (req, reply) => {
    const url = req.url.split("?")[0]!;
    // Unknown API paths, missing files (a stale /assets/x.js) and anything but GET/HEAD are real 404s, not
    // the app shell.
    if ((req.method !== "GET" && req.method !== "HEAD") || url === "/api" || url.startsWith("/api/") || path.posix.extname(url)) {
      return reply.code(404).type("application/json").send({ error: "Not found", path: url });
    }
    return reply.sendFile("index.html");
  });
}
