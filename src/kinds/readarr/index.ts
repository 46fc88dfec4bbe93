import { z } from "zod";
import { arrKind, Images, mixedSearch } from "../arr-family/adapter.js";
import { calendar } from "./capabilities.js";

/**
 * Readarr (API v1; the project was retired upstream in 2025 and never left 0.x). Search uses
 * `/api/v1/search?term=`, which answers authors and books mixed (Readarr/Readarr
 * src/Readarr.Api.V1/Search/SearchController.cs, v0.3.21.2475): each item has `foreignId` and either `author`
 * or `book`. Images: `author.remotePoster` / `book.remoteCover` (src/Readarr.Api.V1/Author/AuthorResource.cs,
 * Books/BookResource.cs).
 */
const Author = z.object({
  authorName: z.string(),
  foreignAuthorId: z.string().nullish(),
  titleSlug: z.string().nullish(),
  overview: z.string().nullish(),
  id: z.number().nullish(),
  images: Images,
  remotePoster: z.string().nullish(),
});
const Book = z.object({
  title: z.string(),
  titleSlug: z.string().nullish(),
  foreignBookId: z.string().nullish(),
  releaseDate: z.string().nullish(),
  overview: z.string().nullish(),
  id: z.number().nullish(),
  author: z.object({ authorName: z.string().nullish() }).nullish(),
  images: Images,
  remoteCover: z.string().nullish(),
});
const Item = z
  .object({ foreignId: z.string().nullish(), author: Author.nullish(), book: Book.nullish() })
  .transform(({ foreignId, author, book }) => ({
    foreignId,
    creator: author
      ? {
          name: author.authorName,
          foreignId: author.foreignAuthorId,
          id: author.id,
          page: author.titleSlug ? `/author/${author.titleSlug}` : undefined,
          overview: author.overview,
          remote: author.remotePoster,
          images: author.images,
          imageType: "poster",
        }
      : undefined,
    work: book
      ? {
          name: book.title,
          foreignId: book.foreignBookId,
          id: book.id,
          page: book.titleSlug ? `/book/${book.titleSlug}` : undefined,
          year: book.releaseDate?.slice(0, 4),
          byline: book.author?.authorName,
          overview: book.overview,
          remote: book.remoteCover,
          images: book.images,
          imageType: "cover",
        }
      : undefined,
  }));

export default arrKind({
  kind: "readarr",
  name: "Readarr",
  apiVersion: "v1",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 8787,
  minVersion: "0.1",
  docsUrl: "https://readarr.com/docs/api/",
  capabilities: { calendar },
  search: mixedSearch({ name: "Readarr", nouns: { creator: "author", work: "book" }, item: Item }),
});
