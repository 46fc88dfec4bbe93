import { seerrKind } from "./seerr.js";

export default seerrKind({ kind: "jellyseerr", name: "Jellyseerr", docsUrl: "https://docs.jellyseerr.dev/" });
