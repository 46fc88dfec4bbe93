#!/usr/bin/env node
// The `patchbay` command (package.json "bin"): runs the TypeScript CLI in src/cli through tsx, so a checkout
// needs no build step. The container image runs the esbuild bundle of the same CLI (build/cli/index.js).
import { register } from "tsx/esm/api";

register();
await import("../src/cli/index.ts");
