// Rewrites README.md's table of kinds from the catalog (src/kinds/testing/readme-table.ts).
import { rewriteReadme } from "../src/kinds/testing/readme-table.js";

console.log(rewriteReadme() ? "README.md: table of kinds updated" : "README.md: table of kinds already up to date");
