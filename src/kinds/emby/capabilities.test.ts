import { mediaBrowserSessionsSuite } from "../mediabrowser-family/capability-suite.js";
import { startEmby } from "./emulator.js";

const KEY = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b";

mediaBrowserSessionsSuite({
  kind: "emby",
  releases: ["4.0.2.0", "4.8.10.0"].map((version) => ({ label: `Emby ${version} (emulated)`, start: () => startEmby({ apiKey: KEY, version }) })),
  secrets: { apiKey: KEY },
  wrongSecrets: { apiKey: "ffffffffffffffffffffffffffffffff" },
});
