import fs from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

/**
 * Optional packages: Swagger UI (/api/docs) and the MCP SDK (/api/mcp) are optional peer dependencies
 * (package.json "peerDependenciesMeta"), installed in a checkout with its dev dependencies but not by a plain
 * production install (`npm ci --omit=dev`): they weigh ~40 MB and dozens of packages (the SDK's express/hono
 * tree, Swagger UI's install-time telemetry). Without them those two endpoints say how to add them.
 */
export type OptionalPackage = "swagger-ui-dist" | "@modelcontextprotocol/sdk";

const require = createRequire(import.meta.url);

/** The version this Patchbay is tested with (package.json peerDependencies; src/server and build/server sit at the same depth). */
function pinned(name: OptionalPackage): string {
  try {
    const pkg = JSON.parse(fs.readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { peerDependencies?: Record<string, string> };
    return pkg.peerDependencies?.[name] ?? "";
  } catch {
    return "";
  }
}

/** The install directory of an optional package, or undefined when it is not installed. */
export function packageDir(name: string): string | undefined {
  try {
    return path.dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

/** What to tell a client of an endpoint whose package is missing. */
export function notInstalled(feature: string, name: OptionalPackage): string {
  const version = pinned(name);
  return `${feature} is not installed in this Patchbay (a production install leaves it out): run \`npm install --no-save ${name}${version ? `@${version}` : ""}\` in its directory and restart`;
}

/** An import() that failed because the package is not installed (not because it is broken). */
export function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND";
}
