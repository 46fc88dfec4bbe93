import { seerrSuite } from "./seerr-suite.js";

seerrSuite("jellyseerr");
