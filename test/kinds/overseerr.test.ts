import { seerrSuite } from "./seerr-suite.js";

seerrSuite("overseerr");
