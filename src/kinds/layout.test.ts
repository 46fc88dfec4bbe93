import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { kinds } from "./index.js";

/**
 * A kind is one folder (README "Adding a kind"): its adapter (`index.ts`), its emulator or real-server harness
 * (its own, or its family's), its tests, and the shared contract suite. This fails when a folder or a catalog
 * entry is missing one of them.
 */
const dir = path.dirname(new URL(import.meta.url).pathname);
const folders = fs.readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "testing" && !d.name.endsWith("-family")).map((d) => d.name);

async function kindOfFolder(folder: string): Promise<string | undefined> {
  const mod = (await import(path.join(dir, folder, "index.ts"))) as { default?: { kind?: string } };
  return mod.default?.kind;
}

describe("kind folders", () => {
  it("every kind folder declares a kind of the catalog, and every catalog kind has a folder", async () => {
    const declared = await Promise.all(folders.map(kindOfFolder));
    for (const [i, k] of declared.entries()) expect(k && kinds.has(k), `src/kinds/${folders[i]}/index.ts: no kind of the catalog`).toBe(true);
    expect(new Set(declared)).toEqual(new Set(kinds.keys()));
  });

  it.each(folders)("%s has tests, the shared contract suite and an emulator or real server", (folder) => {
    const files = fs.readdirSync(path.join(dir, folder));
    expect(files.some((f) => f.endsWith(".test.ts")), "a test file").toBe(true);
    expect(fs.readFileSync(path.join(dir, folder, "contract.test.ts"), { encoding: "utf8", flag: "r" }), "contract.test.ts").toMatch(/kindContract\(/);
    const index = fs.readFileSync(path.join(dir, folder, "index.ts"), "utf8");
    const family = /from "\.\.\/([\w-]+-family)\//.exec(index)?.[1];
    const upstream = files.some((f) => f === "emulator.ts" || f === "real.ts" || f.endsWith("-real.ts")) || (family !== undefined && fs.existsSync(path.join(dir, family, "emulator.ts")));
    expect(upstream, "emulator.ts or real.ts here or in its family folder").toBe(true);
  });
});
