import { seerrKind } from "./seerr.js";

export default seerrKind({ kind: "overseerr", name: "Overseerr", docsUrl: "https://docs.overseerr.dev/" });
