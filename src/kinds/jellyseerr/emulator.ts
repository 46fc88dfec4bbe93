import { startSeerr, type SeerrEmulator, type SeerrOptions } from "../seerr-family/emulator.js";

/** Jellyseerr: the Overseerr emulator in its Jellyseerr flavor (public settings carry `mediaServerType`). */
export function startJellyseerr(opts: Omit<SeerrOptions, "flavor">): Promise<SeerrEmulator> {
  return startSeerr({ ...opts, flavor: "Jellyseerr" });
}

export { seerrResults, NOT_ENCODED } from "../seerr-family/emulator.js";
