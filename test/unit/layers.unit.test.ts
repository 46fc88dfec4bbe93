import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The layers of docs/architecture.md point one way: every `.ts` file under src/ is parsed for its imports
 * (static `import … from`, `export … from`, dynamic `import("…")`, type-only ones included: a type import
 * still ties one layer to another).
 */
const SRC = path.resolve(import.meta.dirname, "../../src");

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === "node_modules" ? [] : tsFiles(p);
    return e.name.endsWith(".ts") && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^"';]*?\sfrom\s*["']([^"']+)["']|(?:^|[\s;(=])import\s*\(\s*["']([^"']+)["']\s*\)|^\s*import\s*["']([^"']+)["']/gm;

/** The specifiers a source text imports; comments are dropped first so an example in a comment does not count. */
export function importsOf(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  return [...code.matchAll(IMPORT)].map((m) => (m[1] ?? m[2] ?? m[3])!);
}

/** A relative specifier ("./x.js") as the file it names, or undefined for a package. */
function resolveLocal(from: string, spec: string): string | undefined {
  if (!spec.startsWith(".")) return undefined;
  const base = path.resolve(path.dirname(from), spec);
  for (const candidate of [base.replace(/\.js$/, ".ts"), `${base}.ts`, path.join(base, "index.ts")]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

const rel = (f: string) => path.relative(SRC, f).split(path.sep).join("/");

const files = tsFiles(SRC);
const graph = new Map(
  files.map((f) => {
    const specs = importsOf(fs.readFileSync(f, "utf8"));
    return [f, { specs, local: specs.map((s) => resolveLocal(f, s)).filter((x): x is string => !!x) }];
  }),
);

/** Every cycle's files in order (Tarjan's strongly connected components with more than one file, or a self-import). */
export function cycles(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}

/** The folders below the API: they never import from src/api or src/server. */
const BELOW_API = ["services", "engine", "kinds", "db", "crypto", "auth"];

describe("layers (docs/architecture.md, map of the code)", () => {
  it("the parser finds static, re-export, dynamic and side-effect imports, and ignores comments", () => {
    const src = [
      `import { a } from "./a.js";`,
      `import type { B } from "../b.js";`,
      `export { c } from "./c.js";`,
      `export * from "./d.js";`,
      `const e = await import("./e.js");`,
      `import "./f.js";`,
      `import {\n  g,\n  h,\n} from "@trpc/server";`,
      `// import { x } from "../api/x.js";`,
      `/* import { y } from "../api/y.js"; */`,
    ].join("\n");
    expect(importsOf(src)).toEqual(["./a.js", "../b.js", "./c.js", "./d.js", "./e.js", "./f.js", "@trpc/server"]);
  });

  it("the cycle finder reports a two-file cycle and a self-import, not a chain", () => {
    const g = new Map([
      ["a", ["b"]],
      ["b", ["a", "c"]],
      ["c", ["d"]],
      ["d", []],
      ["e", ["e"]],
    ]);
    expect(cycles(g)).toEqual([["a", "b"], ["e"]]);
  });

  it("reads the whole tree (sanity: the known files and edges are there)", () => {
    expect(files.length).toBeGreaterThan(100);
    const trpc = graph.get(path.join(SRC, "api/trpc.ts"))!;
    expect(trpc.specs).toContain("@trpc/server");
    expect(trpc.local.map(rel)).toContain("services/access.ts");
  });

  it("nothing below the API imports from src/api or src/server", () => {
    const wrong = [...graph].flatMap(([f, { local }]) =>
      BELOW_API.includes(rel(f).split("/")[0]!) ? local.filter((t) => /^(api|server)\//.test(rel(t))).map((t) => `${rel(f)} → ${rel(t)}`) : [],
    );
    expect(wrong).toEqual([]);
  });

  it("@trpc/server is imported only in src/api and src/server", () => {
    const wrong = [...graph].filter(([f, { specs }]) => !/^(api|server)\//.test(rel(f)) && specs.some((s) => s === "@trpc/server" || s.startsWith("@trpc/server/"))).map(([f]) => rel(f));
    expect(wrong).toEqual([]);
  });

  it("src/ has no import cycle", () => {
    const edges = new Map([...graph].map(([f, { local }]) => [f, local]));
    expect(cycles(edges).map((c) => c.map(rel).join(" ↔ "))).toEqual([]);
  });
});
