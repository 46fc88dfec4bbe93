import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/process.js";

/** The repository stands alone: comments and the README cite docs/ files, never documents outside it. */
describe("documents that stand alone", () => {
  it("no reference to shared/, numbered contract sections or protocols.md in src or README.md", () => {
    let found = "";
    try {
      found = execFileSync("grep", ["-rn", "shared/\\|contract §\\|protocols.md", "src", "README.md"], { cwd: ROOT, encoding: "utf8" });
    } catch (e) {
      // grep exits 1 when nothing matches — the expected case; 2 is an error.
      if ((e as { status?: number }).status !== 1) throw e;
    }
    expect(found).toBe("");
  });

  it("docs/ holds the references the comments cite, and each cited section exists", () => {
    for (const file of ["api.md", "capabilities.md", "kinds.md", "architecture.md"]) expect(fs.existsSync(path.join(ROOT, "docs", file)), file).toBe(true);
    const cited = execFileSync("grep", ["-rhoE", 'docs/(api|kinds|architecture)\\.md, "[^"]+"', "src"], { cwd: ROOT, encoding: "utf8" });
    const pairs = new Set(cited.trim().split("\n").filter(Boolean));
    expect(pairs.size).toBeGreaterThan(5);
    for (const pair of pairs) {
      const [, file, title] = pair.match(/^(docs\/\w+\.md), "(.+)"$/)!;
      const headings = fs.readFileSync(path.join(ROOT, file!), "utf8").split("\n").filter((l) => l.startsWith("#"));
      expect(headings.some((h) => h.includes(title!)), `${file} has a heading "${title}"`).toBe(true);
    }
  });
});
