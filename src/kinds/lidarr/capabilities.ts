import { z } from "zod";
import { Images, imageOf } from "../arr-family/adapter.js";
import { arrCalendar, isoDate } from "../arr-family/calendar.js";
import { publicUrl } from "../arr-family/links.js";

/**
 * Lidarr's calendar: albums released in the range (Lidarr/Lidarr src/Lidarr.Api.V1/Calendar/CalendarController.cs,
 * v1.0.2.2592 and v2.14.5.4836: `/api/v1/calendar?start&end&unmonitored&includeArtist`; 2.x added `tags`).
 * Items are AlbumResource (src/Lidarr.Api.V1/Albums/AlbumResource.cs): `releaseDate` is a day → all-day event;
 * `artist` only with includeArtist=true.
 */
const Album = z.object({
  id: z.number(),
  title: z.string(),
  foreignAlbumId: z.string().nullish(),
  releaseDate: isoDate,
  albumType: z.string().nullish(),
  artist: z.object({ artistName: z.string().nullish() }).nullish(),
  images: Images,
  remoteCover: z.string().nullish(),
});

export const calendar = arrCalendar({
  name: "Lidarr",
  path: "/api/v1/calendar",
  query: { unmonitored: "false", includeArtist: "true" },
  item: Album,
  events(album, { base, forbidden }) {
    if (!album.releaseDate) return [];
    return [
      {
        id: `album-${album.id}`,
        title: album.title,
        subtitle: album.artist?.artistName ?? undefined,
        start: album.releaseDate,
        end: null,
        allDay: true,
        type: "album",
        link: album.foreignAlbumId ? `${base}/album/${album.foreignAlbumId}` : undefined,
        image: imageOf(album.images, "cover", forbidden) ?? publicUrl(album.remoteCover, forbidden),
      },
    ];
  },
});
