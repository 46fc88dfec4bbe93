import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";

/**
 * The package as a TypeScript user gets it: `npm run build:client` builds dist/, a consumer project outside the
 * repo depends on it through node_modules/patchbay (a link to the repo, as `npm link` makes), `tsc` compiles the
 * consumer against the package's "exports" (dist/*.d.ts, not the sources), and node runs the result against a
 * live server. Offline: the package's own dependencies resolve from the repo's node_modules.
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "../..");
const TSC = path.join(ROOT, "node_modules/typescript/bin/tsc");
const KEY = "sonarr-typed-client-key";

let s: TestServer;
let sonarr: ArrEmulator;
let dir: string;

const CONSUMER = `
import { createPatchbayClient, TRPCClientError, type RouterOutputs } from "patchbay";

const api = createPatchbayClient(process.env.PATCHBAY_URL!, { apiKey: process.env.PATCHBAY_API_KEY! });

// The seed's snippets, as written there.
const result = await api.integration.create.mutate({
  name: "Typed Sonarr",
  kind: "sonarr",
  url: process.env.SONARR_URL!,
  secrets: [{ kind: "apiKey", value: process.env.SONARR_API_KEY! }],
  app: { name: "Sonarr", description: "Series", iconUrl: "https://example.com/sonarr.svg", href: "https://sonarr.example", pingUrl: null },
  attemptSearchEngineCreation: true,
});
if ("error" in result) {
  console.error(result.error.code, result.error.message);
  process.exit(1);
}
const integrations = await api.integration.all.query();
const mediaIntegrations = await api.integration.allOfGivenCategory.query({ category: "mediaCollection" });
const searchIntegrations = await api.integration.allThatSupportSearch.query();
const results = await api.integration.search.query({ query: "typed", limit: 10 });
const integration = await api.integration.byId.query({ id: result.id });
const some = await api.integration.byIds.query([result.id, "integration-id-2"]);
const permissions = await api.integration.getIntegrationPermissions.query({ id: result.id });
const kinds = await api.integration.getKinds.query();

// Types flow from the server: a Date stays a Date (superjson), list items have the seed's shape.
const updatedAt: Date = integration.secrets[0]!.updatedAt;
const first: RouterOutputs["integration"]["all"][number] = integrations[0]!;

let notFound = "";
try {
  await api.integration.byId.query({ id: "does-not-exist" });
} catch (e) {
  if (e instanceof TRPCClientError) notFound = (e.data as { code: string }).code;
}

console.log(
  JSON.stringify({
    id: result.id,
    searchEngineId: result.searchEngineId,
    name: integration.name,
    appName: integration.app?.name,
    updatedAtIsDate: updatedAt instanceof Date,
    all: integrations.map((i) => i.id),
    media: mediaIntegrations.length,
    searchable: searchIntegrations.length,
    found: results.map((r) => r.name),
    byIds: some,
    creatorLevel: permissions.users[0]?.permission,
    firstFull: first.permissions.hasFullAccess,
    sonarrKind: kinds.find((k) => k.kind === "sonarr")?.secretOptions,
    notFound,
  }),
);
`;

const BAD_CONSUMER = `
import { createPatchbayClient } from "patchbay";
const api = createPatchbayClient("http://localhost:7575", { apiKey: "k" });
await api.integration.byId.query({ idd: "x" });
const n: number = (await api.integration.all.query())[0]!.name;
await api.integration.nope.query();
export { n };
`;

function tsconfig(files: string[]) {
  return JSON.stringify({
    compilerOptions: {
      target: "ES2022",
      module: "NodeNext",
      moduleResolution: "NodeNext",
      strict: true,
      skipLibCheck: true,
      types: ["node"],
      outDir: "out",
    },
    files,
  });
}

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY })]);
  // The package's build step, as a user of the repo runs it.
  await run("npm", ["run", "--silent", "build:client"], { cwd: ROOT, timeout: 120_000 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "patchbay-consumer-"));
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { patchbay: "*" } }));
  fs.mkdirSync(path.join(dir, "node_modules"));
  fs.symlinkSync(ROOT, path.join(dir, "node_modules/patchbay"), "dir");
  fs.symlinkSync(path.join(ROOT, "node_modules/@types"), path.join(dir, "node_modules/@types"), "dir");
  fs.writeFileSync(path.join(dir, "consumer.ts"), CONSUMER);
  fs.writeFileSync(path.join(dir, "tsconfig.json"), tsconfig(["consumer.ts"]));
  fs.writeFileSync(path.join(dir, "bad.ts"), BAD_CONSUMER);
  fs.writeFileSync(path.join(dir, "tsconfig.bad.json"), tsconfig(["bad.ts"]));
}, 180_000);

afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe("typed client package (createPatchbayClient + AppRouter)", () => {
  it("the runtime entry loads only @trpc/client and superjson", () => {
    const js = fs.readFileSync(path.join(ROOT, "dist/client.js"), "utf8");
    const imports = [...js.matchAll(/^import .* from "([^"]+)";$/gm)].map((m) => m[1]).sort();
    expect(imports).toEqual(["@trpc/client", "superjson"]);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
    expect(pkg.exports["."]).toEqual({ types: "./dist/client.d.ts", import: "./dist/client.js" });
  });

  it("tsc compiles a consumer against the built package (dist declarations, not the sources) and it runs against a live server", async () => {
    const { stdout: files } = await run("node", [TSC, "-p", "tsconfig.json", "--listFiles"], { cwd: dir, timeout: 120_000 });
    const own = files.split("\n").filter((f) => f.startsWith(ROOT + "/") && !f.includes("/node_modules/"));
    expect(own).toContain(path.join(ROOT, "dist/client.d.ts"));
    expect(own.filter((f) => f.startsWith(path.join(ROOT, "src") + "/"))).toEqual([]);

    const { stdout } = await run("node", [path.join(dir, "out/consumer.js")], {
      cwd: dir,
      timeout: 60_000,
      env: { ...process.env, PATCHBAY_URL: s.url, PATCHBAY_API_KEY: (await s.user(["integration-create", "app-create"])).apiKey, SONARR_URL: sonarr.url, SONARR_API_KEY: KEY },
    });
    const out = JSON.parse(stdout.trim().split("\n").pop()!);
    expect(out).toEqual({
      id: expect.any(String),
      searchEngineId: expect.any(String),
      name: "Typed Sonarr",
      appName: "Sonarr",
      updatedAtIsDate: true,
      all: [out.id],
      media: 1,
      searchable: 1,
      found: ["Typed Sonarr"],
      byIds: [{ id: out.id, kind: "sonarr" }],
      creatorLevel: "full",
      firstFull: true,
      sonarrKind: [["apiKey"]],
      notFound: "NOT_FOUND",
    });
    // Really stored on the server.
    expect((await s.admin.integration.byId.query({ id: out.id })).name).toBe("Typed Sonarr");
  });

  it("the types are real: wrong input, wrong output use and unknown procedures fail to compile", async () => {
    const failure = await run("node", [TSC, "-p", "tsconfig.bad.json", "--noEmit"], { cwd: dir, timeout: 120_000 }).then(
      () => undefined,
      (e: { stdout: string }) => e.stdout,
    );
    expect(failure, "tsc must reject bad.ts").toBeDefined();
    expect(failure).toMatch(/bad\.ts\(4,\d+\): error TS(2353|2561)/); // 'idd' is not in { id }
    expect(failure).toMatch(/bad\.ts\(5,\d+\): error TS2322/); // string is not number
    expect(failure).toMatch(/bad\.ts\(6,\d+\): error TS2339/); // no procedure 'nope'
  });
});
