import { seerrKind } from "../seerr-family/adapter.js";

export default seerrKind({ kind: "overseerr", name: "Overseerr", docsUrl: "https://docs.overseerr.dev/" });
