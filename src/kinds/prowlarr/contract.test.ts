import { expect } from "vitest";
import { kindContract } from "../testing/contract.js";
import { arrRelease, type ArrStarted } from "../testing/arr-family.js";
import { EXOTIC_ENCODED, expectStrictlyEncoded } from "../testing/kind-helpers.js";

const lookup = [{ guid: "g1", indexerId: 3, indexer: "1337x", title: "Schindler's.List.1993.1080p", protocol: "torrent", categories: [{ id: 2040, name: "Movies/HD" }] }];

// Prowlarr 1.x (oldest supported) and 2.x (newest stable); 0.4 is below the floor.
kindContract({
  kind: "prowlarr",
  releases: [arrRelease("Prowlarr", "1.0.0.2171", { lookup }), arrRelease("Prowlarr", "2.3.5.5327", { lookup })],
  tooOld: arrRelease("Prowlarr", "0.4.11.2217"),
  checkSearch(results, release) {
    expect(results).toEqual([expect.objectContaining({ id: "g1", name: "Schindler's.List.1993.1080p" })]);
    const emu = (release as ArrStarted).emu;
    expectStrictlyEncoded(emu.lookups.at(-1));
    expect(emu.requests.filter((r) => r.url.startsWith("/api/v1/search")).at(-1)!.url).toBe(`/api/v1/search?query=${EXOTIC_ENCODED}&type=search&limit=20`);
  },
});
