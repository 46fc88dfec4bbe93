import { z } from "zod";
import { arrKind, Images, mixedSearch } from "../arr-family/adapter.js";
import { calendar } from "./capabilities.js";

/**
 * Lidarr (API v1). Search uses `/api/v1/search?term=`, which answers artists and albums mixed
 * (Lidarr/Lidarr src/Lidarr.Api.V1/Search/SearchController.cs + SearchResource.cs, v1.0.2.2592 and
 * v2.14.5.4836): each item has `foreignId` and either `artist` (ArtistResource) or `album` (AlbumResource);
 * `id` on the inner object is set when it is in the library. Images: `artist.remotePoster` /
 * `album.remoteCover` (src/Lidarr.Api.V1/Artist/ArtistResource.cs, Albums/AlbumResource.cs).
 */
const Artist = z.object({
  artistName: z.string(),
  foreignArtistId: z.string().nullish(),
  overview: z.string().nullish(),
  id: z.number().nullish(),
  images: Images,
  remotePoster: z.string().nullish(),
});
const Album = z.object({
  title: z.string(),
  foreignAlbumId: z.string().nullish(),
  releaseDate: z.string().nullish(),
  overview: z.string().nullish(),
  id: z.number().nullish(),
  artist: z.object({ artistName: z.string().nullish() }).nullish(),
  images: Images,
  remoteCover: z.string().nullish(),
});
const Item = z
  .object({ foreignId: z.string().nullish(), artist: Artist.nullish(), album: Album.nullish() })
  .transform(({ foreignId, artist, album }) => ({
    foreignId,
    creator: artist
      ? {
          name: artist.artistName,
          foreignId: artist.foreignArtistId,
          id: artist.id,
          page: artist.foreignArtistId ? `/artist/${artist.foreignArtistId}` : undefined,
          overview: artist.overview,
          remote: artist.remotePoster,
          images: artist.images,
          imageType: "poster",
        }
      : undefined,
    work: album
      ? {
          name: album.title,
          foreignId: album.foreignAlbumId,
          id: album.id,
          page: album.foreignAlbumId ? `/album/${album.foreignAlbumId}` : undefined,
          year: album.releaseDate?.slice(0, 4),
          byline: album.artist?.artistName,
          overview: album.overview,
          remote: album.remoteCover,
          images: album.images,
          imageType: "cover",
        }
      : undefined,
  }));

export default arrKind({
  kind: "lidarr",
  name: "Lidarr",
  apiVersion: "v1",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 8686,
  minVersion: "1.0",
  docsUrl: "https://lidarr.audio/docs/api/",
  capabilities: { calendar },
  search: mixedSearch({ name: "Lidarr", nouns: { creator: "artist", work: "album" }, item: Item }),
});
