import fs from "node:fs";
import { expect, it } from "vitest";
import { expectedTable, README, readTable } from "./testing/readme-table.js";

it("README's table of kinds matches the catalog (npm run docs:kinds rewrites it)", () => {
  const text = fs.readFileSync(README, "utf8");
  const table = readTable(text);
  const actual = text.split("\n").slice(table.start, table.end);
  expect(actual.join("\n")).toBe(expectedTable(table).join("\n"));
});
