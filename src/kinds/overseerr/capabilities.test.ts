import { seerrCapabilitySuite } from "../seerr-family/capability-suite.js";

seerrCapabilitySuite("overseerr");
