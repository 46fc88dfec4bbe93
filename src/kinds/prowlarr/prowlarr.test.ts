import { expect } from "vitest";
import { arrKey, describeArrKind } from "../arr-family/suite.js";

const KEY = arrKey("prowlarr");
// The shape of Prowlarr's /api/v1/search releases. Like the real thing, downloadUrl carries the API key.
const releases = [
  {
    guid: "https://1337x.example/torrent/1/",
    indexerId: 3,
    indexer: "1337x",
    title: "Schindler's.List.1993.1080p.BluRay.x264",
    size: 3_221_225_472,
    publishDate: "2024-03-01T10:00:00Z",
    age: 300,
    seeders: 12,
    leechers: 3,
    grabs: 300,
    protocol: "torrent",
    downloadUrl: `http://127.0.0.1:9696/3/download?apikey=${KEY}&link=abc&file=Schindler`,
    infoUrl: "https://1337x.example/torrent/1/",
    categories: [{ id: 2040, name: "Movies/HD" }],
  },
  {
    guid: "nzb-77",
    indexerId: 5,
    indexer: "NZBgeek",
    title: "Schindlers List 1993 REMASTERED",
    size: 10_737_418_240,
    publishDate: "2023-01-05T08:00:00Z",
    protocol: "usenet",
    downloadUrl: `http://127.0.0.1:9696/5/download?apikey=${KEY}&link=def`,
    categories: [{ id: 2000, name: "Movies" }],
  },
];

describeArrKind({
  kind: "prowlarr",
  app: "Prowlarr",
  categories: ["indexerManager", "search"],
  defaultPort: 9696,
  version: "1.28.2.4885",
  otherApp: "Lidarr",
  oldVersion: "0.4.11.2217",
  lookup: releases,
  checkSearch(results, base, emu) {
    const q = "Schindler%27s%20List%20%281993%29%20%26%20%22quotes%22";
    expect(results).toEqual([
      {
        id: "https://1337x.example/torrent/1/",
        name: "Schindler's.List.1993.1080p.BluRay.x264",
        link: `${base}/search?query=${q}&indexerIds=3`,
        text: "1337x · torrent · 3.0 GiB · 12 seeders · 2024-03-01",
        type: "Movies/HD",
      },
    ]);
    // Prowlarr's search wants the search type and a limit (it fans out to every indexer).
    const last = emu.requests.filter((r) => r.url.startsWith("/api/v1/search")).at(-1)!;
    expect(last.url).toBe(`/api/v1/search?query=${q}&type=search&limit=20`);
  },
});
