#!/usr/bin/env node
// The `patchbay` command (package.json "bin"): runs the TypeScript CLI in src/cli through tsx, the same
// runtime as `npm start`, so no build step is needed.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/index.ts");
