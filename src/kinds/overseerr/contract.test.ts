import { kindContract } from "../testing/contract.js";
import { checkSeerrSearch, seerrReleases, seerrTooOld } from "../seerr-family/releases.js";

// Overseerr 1.x, Jellyseerr 2.x and Seerr 3.x speak one API: this kind accepts all of them (releases.ts).
kindContract({ kind: "overseerr", releases: seerrReleases, tooOld: seerrTooOld, checkSearch: checkSeerrSearch });
