import { seerrSuite } from "../seerr-family/suite.js";

seerrSuite("overseerr");
