import { arrGet, arrKind, asResults, posterOf, readJson } from "../arr-family/adapter.js";
import { strictEncode } from "../../engine/http.js";

/**
 * Readarr (API v1; the project was archived in 2025 and never left 0.x). Search uses `/api/v1/search?term=`,
 * which answers authors and books mixed: each item has `foreignId` and either `author` or `book`.
 */
export default arrKind({
  kind: "readarr",
  name: "Readarr",
  apiVersion: "v1",
  categories: ["mediaCollection", "calendar"],
  defaultPort: 8787,
  minVersion: "0.1",
  docsUrl: "https://readarr.com/docs/api/",
  async search(ctx, query, limit) {
    const spec = { name: "Readarr" };
    const list = readJson(await arrGet(ctx, spec, "/api/v1/search", { term: query }), spec);
    const base = ctx.url.toString().replace(/\/$/, "");
    const addLink = (term: string) => `${base}/add/search?term=${strictEncode(term)}`;
    return asResults(list, (item) => {
      const author = asObject(item.author);
      const book = asObject(item.book);
      if (book && typeof book.title === "string") {
        const inLibrary = typeof book.id === "number" && book.id > 0;
        const bookAuthor = asObject(book.author);
        const authorName = typeof bookAuthor?.authorName === "string" ? bookAuthor.authorName : undefined;
        const year = typeof book.releaseDate === "string" ? book.releaseDate.slice(0, 4) : undefined;
        return {
          id: String(book.foreignBookId ?? item.foreignId ?? book.title),
          name: `${book.title}${year ? ` (${year})` : ""}`,
          link: inLibrary && typeof book.titleSlug === "string" ? `${base}/book/${book.titleSlug}` : addLink(book.title),
          image: posterOf(book.images),
          text: authorName ?? (typeof book.overview === "string" ? book.overview.slice(0, 300) : undefined),
          type: inLibrary ? "book (in library)" : "book",
        };
      }
      if (author && typeof author.authorName === "string") {
        const inLibrary = typeof author.id === "number" && author.id > 0;
        return {
          id: String(author.foreignAuthorId ?? item.foreignId ?? author.authorName),
          name: author.authorName,
          link: inLibrary && typeof author.titleSlug === "string" ? `${base}/author/${author.titleSlug}` : addLink(author.authorName),
          image: posterOf(author.images),
          text: typeof author.overview === "string" ? author.overview.slice(0, 300) : undefined,
          type: inLibrary ? "author (in library)" : "author",
        };
      }
      return undefined;
    }).slice(0, limit);
  },
});

function asObject(v: unknown): Record<string, unknown> | undefined {
  return v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}
