import fs from "node:fs";
import { categoriesOf, kinds } from "../index.js";

/**
 * The README's table of kinds, derived from the catalog: every column but the last ("tested against", prose
 * kept from the README) comes from the kind definitions, so the table cannot drift from `getKinds`.
 * `npm run docs:kinds` rewrites it; src/kinds/readme-table.test.ts fails when it is stale.
 */
export const README = new URL("../../../README.md", import.meta.url).pathname;
const HEADER = ["kind", "categories", "secret options", "search", "capabilities", "min version", "tested against"];

export function catalogCells(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const def of kinds.values()) {
    const options = def.secretOptions.map((o) => (o.length ? o.join(" + ") : "none")).join(" \\| ");
    const caps = Object.keys(def.capabilities ?? {});
    rows.set(def.kind, [`\`${def.kind}\``, categoriesOf(def).join(", "), options, def.search ? "yes" : "—", caps.length ? caps.join(", ") : "—", def.minVersion ?? "—"]);
  }
  return rows;
}

interface ParsedTable {
  start: number;
  end: number;
  rows: string[][];
}

function cells(line: string): string[] {
  return line.replace(/^\|\s*|\s*\|\s*$/g, "").split(/\s*(?<!\\)\|\s*/);
}

export function readTable(text: string): ParsedTable {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.startsWith("| kind | categories |"));
  if (start < 0) throw new Error("README has no table of kinds (a line starting with '| kind | categories |')");
  let end = start + 2;
  while (end < lines.length && lines[end]!.startsWith("|")) end++;
  return { start, end, rows: lines.slice(start + 2, end).map(cells) };
}

/** The table as it should read, keeping each kind's "tested against" text from `current`. */
export function expectedTable(current: ParsedTable): string[] {
  const tested = new Map(current.rows.map((r) => [r[0], r[r.length - 1]]));
  const out = [`| ${HEADER.join(" | ")} |`, `|${HEADER.map(() => "---").join("|")}|`];
  for (const row of catalogCells().values()) out.push(`| ${[...row, tested.get(row[0]!) ?? "(describe)"].join(" | ")} |`);
  return out;
}

export function rewriteReadme(): boolean {
  const text = fs.readFileSync(README, "utf8");
  const table = readTable(text);
  const lines = text.split("\n");
  const next = [...lines.slice(0, table.start), ...expectedTable(table), ...lines.slice(table.end)].join("\n");
  if (next === text) return false;
  fs.writeFileSync(README, next);
  return true;
}
