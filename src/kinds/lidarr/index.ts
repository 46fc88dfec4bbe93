import { arrGet, arrKind, asResults, posterOf, readJson } from "../arr-family/adapter.js";
import { strictEncode } from "../../engine/http.js";

/**
 * Lidarr (API v1). Search uses `/api/v1/search?term=`, which answers artists and albums mixed: each item has
 * `foreignId` and either `artist` or `album`; `id` on the inner object is set when it is in the library.
 */
export default arrKind({
  kind: "lidarr",
  name: "Lidarr",
  apiVersion: "v1",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 8686,
  minVersion: "1.0",
  docsUrl: "https://lidarr.audio/docs/api/",
  async search(ctx, query, limit) {
    const spec = { name: "Lidarr" };
    const list = readJson(await arrGet(ctx, spec, "/api/v1/search", { term: query }), spec);
    const base = ctx.url.toString().replace(/\/$/, "");
    const addLink = (term: string) => `${base}/add/search?term=${strictEncode(term)}`;
    return asResults(list, (item) => {
      const artist = asObject(item.artist);
      const album = asObject(item.album);
      if (album && typeof album.title === "string") {
        const inLibrary = typeof album.id === "number" && album.id > 0;
        const albumArtist = asObject(album.artist);
        const artistName = typeof albumArtist?.artistName === "string" ? albumArtist.artistName : undefined;
        const year = typeof album.releaseDate === "string" ? album.releaseDate.slice(0, 4) : undefined;
        return {
          id: String(album.foreignAlbumId ?? item.foreignId ?? album.title),
          name: `${album.title}${year ? ` (${year})` : ""}`,
          link: inLibrary && typeof album.foreignAlbumId === "string" ? `${base}/album/${album.foreignAlbumId}` : addLink(album.title),
          image: posterOf(album.images),
          text: artistName ?? (typeof album.overview === "string" ? album.overview.slice(0, 300) : undefined),
          type: inLibrary ? "album (in library)" : "album",
        };
      }
      if (artist && typeof artist.artistName === "string") {
        const inLibrary = typeof artist.id === "number" && artist.id > 0;
        return {
          id: String(artist.foreignArtistId ?? item.foreignId ?? artist.artistName),
          name: artist.artistName,
          link: inLibrary && typeof artist.foreignArtistId === "string" ? `${base}/artist/${artist.foreignArtistId}` : addLink(artist.artistName),
          image: posterOf(artist.images),
          text: typeof artist.overview === "string" ? artist.overview.slice(0, 300) : undefined,
          type: inLibrary ? "artist (in library)" : "artist",
        };
      }
      return undefined;
    }).slice(0, limit);
  },
});

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
