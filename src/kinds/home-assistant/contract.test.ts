import { EXOTIC } from "../testing/kind-helpers.js";
import { kindContract, type Release } from "../testing/contract.js";
import { expect } from "vitest";
import { startHomeAssistant } from "./emulator.js";

const TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJwYXRjaGJheSJ9.c2lnbmF0dXJlLXJpZ2h0";
const WRONG = "eyJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJ3cm9uZyJ9.c2lnbmF0dXJlLXdyb25n";

function release(label: string, version: string): Release {
  return {
    label,
    async start() {
      const ha = await startHomeAssistant({ token: TOKEN, version });
      return { url: ha.url, secrets: [{ kind: "apiKey", value: TOKEN }], wrongSecrets: [{ kind: "apiKey", value: WRONG }], version, close: () => ha.close() };
    },
  };
}

// The matrix: 0.78 (long-lived tokens, the kind's floor; unknown services answered 200 []) and a current release
// (unknown services → 400). /api/config, /api/states and the service views are otherwise the same.
kindContract({
  kind: "homeAssistant",
  releases: [release("Home Assistant 0.78 (emulated)", "0.78.3"), release("Home Assistant 2025.x (emulated)", "2025.1.4")],
  tooOld: release("Home Assistant 0.77 (emulated)", "0.77.3"),
  checkSearch(results) {
    expect(results.map((r) => [r.id, r.name])).toEqual([["media_player.den", EXOTIC]]);
  },
});
