import { seerrKind } from "../seerr-family/adapter.js";

export default seerrKind({ kind: "jellyseerr", name: "Jellyseerr", docsUrl: "https://docs.jellyseerr.dev/" });
