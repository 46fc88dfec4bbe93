import { z } from "zod";
import { Images, imageOf } from "../arr-family/adapter.js";
import { arrCalendar, isoDate } from "../arr-family/calendar.js";
import { publicUrl } from "../arr-family/links.js";

/**
 * Readarr's calendar: books released in the range (Readarr/Readarr src/Readarr.Api.V1/Calendar/CalendarController.cs,
 * v0.3.21.2475: `/api/v1/calendar?start&end&unmonitored&includeAuthor`). Items are BookResource
 * (src/Readarr.Api.V1/Books/BookResource.cs): `releaseDate` is a day → all-day event; `authorTitle` from the metadata,
 * `author` only with includeAuthor=true.
 */
const Book = z.object({
  id: z.number(),
  title: z.string(),
  titleSlug: z.string().nullish(),
  releaseDate: isoDate,
  authorTitle: z.string().nullish(),
  author: z.object({ authorName: z.string().nullish() }).nullish(),
  images: Images,
  remoteCover: z.string().nullish(),
});

export const calendar = arrCalendar({
  name: "Readarr",
  path: "/api/v1/calendar",
  query: { unmonitored: "false", includeAuthor: "true" },
  item: Book,
  events(book, { base, forbidden }) {
    if (!book.releaseDate) return [];
    return [
      {
        id: `book-${book.id}`,
        title: book.title,
        subtitle: book.author?.authorName ?? book.authorTitle ?? undefined,
        start: book.releaseDate,
        end: null,
        allDay: true,
        type: "book",
        link: book.titleSlug ? `${base}/book/${book.titleSlug}` : undefined,
        image: imageOf(book.images, "cover", forbidden) ?? publicUrl(book.remoteCover, forbidden),
      },
    ];
  },
});
