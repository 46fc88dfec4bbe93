import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { END, loadResults, readmeBlock, renderTable, START } from "../../bench/readme-table.js";

// The README's benchmark figures are exactly what bench/results.json holds (regenerate: npm run bench:readme).
it("the README benchmark block matches bench/results.json", () => {
  const readme = fs.readFileSync(path.resolve(import.meta.dirname, "../../README.md"), "utf8");
  const block = readmeBlock(readme);
  expect(block, `README.md needs the ${START} … ${END} block`).toBeDefined();
  const results = loadResults();
  expect(block).toBe(renderTable(results));
  // Not an empty rendering: the measured procedures and the machine are in it.
  expect(block).toContain("`integration.search`");
  expect(block).toContain(results.machine.cpuModel);
});
