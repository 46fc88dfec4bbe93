#!/usr/bin/env node
// The `patchbay` command (package.json "bin"): runs the esbuild bundle of the CLI (build/cli/index.js), as
// `npm start` runs the server's bundle. In a checkout (src/ and esbuild present) the bundle is first brought
// up to date with src/ — a hash check of a few milliseconds when nothing changed. The container image and a
// production install run the bundle as it is, without TypeScript tooling.
import fs from "node:fs";

const src = new URL("../src/cli/index.ts", import.meta.url);
const bundle = new URL("../build/cli/index.js", import.meta.url);
if (fs.existsSync(src)) {
  let build;
  try {
    ({ buildIfChanged: build } = await import("../scripts/build-server.mjs"));
    await import("esbuild");
  } catch {
    build = undefined; // no dev dependencies: run the bundle that is there
  }
  if (build) {
    try {
      await build();
    } catch (e) {
      process.stderr.write(`patchbay: building the CLI from src/ failed: ${e instanceof Error ? e.message : e}\n`);
      process.exit(1);
    }
  }
}
if (!fs.existsSync(bundle)) {
  process.stderr.write("patchbay: build/cli/index.js is missing; run `node scripts/build-server.mjs` (needs the dev dependencies) first\n");
  process.exit(1);
}
await import(bundle.href);
