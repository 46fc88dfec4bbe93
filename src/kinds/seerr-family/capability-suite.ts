import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaRequestList } from "../../engine/capabilities.js";
import { runCapability } from "../testing/media-capabilities.js";
import { hasCompleted, type SeerrEmulator } from "./emulator.js";
import { SEERR_KEY, SEERR_MATRIX, SEERR_WRONG_KEY, startRelease } from "./releases.js";

/** `mediaRequests` of one seerr kind against every release of the matrix, called as the capability service does. */
export function seerrCapabilitySuite(kind: "overseerr" | "jellyseerr") {
  const secrets = { apiKey: SEERR_KEY };
  const list = (url: string, filter: "all" | "pending" | "approved" | "available" | "declined", limit = 20, s = secrets) =>
    runCapability(kind, url, s, (ctx, def) => def.capabilities!.mediaRequests!.list(ctx, { filter, limit }));
  const act = (url: string, action: "approve" | "decline", requestId: number, s = secrets) =>
    runCapability(kind, url, s, (ctx, def) => def.capabilities!.mediaRequests![action](ctx, { requestId }));

  for (const { flavor, version } of SEERR_MATRIX) {
    describe(`${kind} mediaRequests against ${flavor} ${version} (emulated)`, () => {
      let emu: SeerrEmulator;
      const completed = hasCompleted(flavor, version);
      beforeAll(async () => {
        emu = await startRelease(flavor, version);
      });
      afterAll(() => emu?.close());

      it("lists every request with titles, TMDB posters, safe avatars and the counts", async () => {
        const r = await list(emu.url, "all");
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        const data = MediaRequestList.parse(r.value);
        expect(data.requests.map((q) => q.id)).toEqual([15, 14, 13, 12, 11]);
        const byId = new Map(data.requests.map((q) => [q.id, q]));
        expect(byId.get(11)).toEqual({
          id: 11,
          mediaType: "movie",
          tmdbId: 424,
          title: "Schindler's List",
          year: 1993,
          posterUrl: "https://image.tmdb.org/t/p/w600_and_h900_bestv2/sF1U4EUQS8YHUYjNl3pMGNIQyr0.jpg",
          status: "pending",
          availability: "pending",
          requestedBy: { name: "Alice", avatarUrl: flavor === "Overseerr" ? "https://plex.tv/users/5a1b/avatar?c=1700000000" : `${emu.url}/avatarproxy/5a1b` },
          createdAt: new Date("2026-11-01T10:00:00.000Z"),
          link: `${emu.url}/movie/424`,
        });
        expect(byId.get(12)).toMatchObject({ mediaType: "tv", title: "Game of Thrones", year: 2011, status: "approved", availability: "processing", link: `${emu.url}/tv/1399` });
        // Bob's avatar URL would carry a Plex token: dropped, the name stays.
        expect(byId.get(12)!.requestedBy).toEqual({ name: "Bob" });
        expect(byId.get(13)).toMatchObject({ title: "The Matrix", status: "declined", availability: "unknown" });
        expect(byId.get(13)!.posterUrl).toBeUndefined();
        expect(byId.get(14)).toMatchObject({ title: "Pulp Fiction", status: completed ? "completed" : "approved", availability: "available" });
        expect(byId.get(14)!.year).toBeUndefined();
        // A 4K request reads the 4K media status.
        expect(byId.get(15)).toMatchObject({ status: "pending", availability: "partial" });
        expect(data.counts).toEqual({ pending: 2, approved: completed ? 1 : 2, declined: 1, available: 1, total: 5 });
        expect(JSON.stringify(r.value)).not.toContain(SEERR_KEY);
        expect(JSON.stringify(r.value)).not.toMatch(/token/i);
        // Each distinct title read once.
        expect(emu.requests.filter((q) => q.url === "/api/v1/movie/603")).toHaveLength(1);
      });

      it("filters: pending, approved, available (approved or completed per release), declined, and the limit", async () => {
        const ids = async (filter: "pending" | "approved" | "available" | "declined", limit = 20) => {
          const r = await list(emu.url, filter, limit);
          if (!r.ok) throw new Error(JSON.stringify(r.error));
          return r.value.requests.map((q) => q.id);
        };
        expect(await ids("pending")).toEqual([15, 11]);
        expect(await ids("approved")).toEqual(completed ? [12] : [14, 12]);
        expect(await ids("available")).toEqual([14]);
        expect(await ids("declined")).toEqual([13]);
        expect(await ids("pending", 1)).toEqual([15]);
      });

      it("approve and decline change the request, confirmed by the service's own answer", async () => {
        const a = await act(emu.url, "approve", 11);
        expect(a).toEqual({ ok: true, value: undefined });
        expect(emu.state.requests!.find((q) => q.id === 11)!.status).toBe(2);
        const d = await act(emu.url, "decline", 15);
        expect(d).toEqual({ ok: true, value: undefined });
        const after = await list(emu.url, "pending");
        expect(after.ok && after.value.requests).toEqual([]);
        const declined = await list(emu.url, "declined");
        expect(declined.ok && declined.value.requests.map((q) => q.id)).toEqual([15, 13]);
        expect(declined.ok && declined.value.counts.declined).toBe(2);
      });

      it("an unknown request id is UNEXPECTED_RESPONSE saying it does not exist", async () => {
        const r = await act(emu.url, "approve", 999);
        expect(r.ok).toBe(false);
        if (!r.ok) {
          expect(r.error.code).toBe("UNEXPECTED_RESPONSE");
          expect(r.error.message).toMatch(/no request 999/);
        }
      });
    });
  }

  describe(`${kind} mediaRequests failure modes`, () => {
    let emu: SeerrEmulator;
    beforeAll(async () => {
      emu = await startRelease("Seerr", "3.1.0");
    });
    afterAll(() => emu?.close());

    it("a full page of distinct titles: every title read (in batches) and mapped in order", async () => {
      const saved = { requests: emu.state.requests, titles: emu.state.titles };
      const user = { id: 2, displayName: "Alice", avatar: "" };
      emu.state.requests = Array.from({ length: 20 }, (_, i) => ({ id: 100 + i, status: 1, type: "movie" as const, tmdbId: 5000 + i, mediaStatus: 2, createdAt: "2026-11-01T10:00:00.000Z", requestedBy: user }));
      emu.state.titles = Object.fromEntries(emu.state.requests.map((q) => [`movie:${q.tmdbId}`, { title: `Film ${q.tmdbId}`, releaseDate: "2001-01-01" }]));
      try {
        const r = await list(emu.url, "all", 20);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        expect(r.value.requests.map((q) => q.title)).toEqual(Array.from({ length: 20 }, (_, i) => `Film ${5019 - i}`));
        expect(r.value.requests[0]!.requestedBy).toEqual({ name: "Alice" });
      } finally {
        Object.assign(emu.state, saved);
      }
    });

    it("a wrong key is INVALID_CREDENTIALS on reads and actions, with no secret in the message", async () => {
      const r = await list(emu.url, "all", 20, { apiKey: SEERR_WRONG_KEY });
      expect(!r.ok && r.error.code).toBe("INVALID_CREDENTIALS");
      expect(!r.ok && r.error.message).toMatch(/rejected the API key.*Settings → General → API Key/);
      const a = await act(emu.url, "approve", 11, { apiKey: SEERR_WRONG_KEY });
      expect(!a.ok && a.error.code).toBe("INVALID_CREDENTIALS");
      expect(JSON.stringify([r, a])).not.toContain(SEERR_WRONG_KEY);
      expect(emu.state.requests!.find((q) => q.id === 11)!.status).toBe(1);
    });

    it("a 500 is HTTP_ERROR; an answer of another shape is UNEXPECTED_RESPONSE, never partial data", async () => {
      emu.state.failData = 500;
      const r = await list(emu.url, "all");
      expect(!r.ok && r.error.code).toBe("HTTP_ERROR");
      const a = await act(emu.url, "decline", 11);
      expect(!a.ok && a.error.code).toBe("HTTP_ERROR");
      emu.state.failData = undefined;
      emu.state.malformed = true;
      const m = await list(emu.url, "all");
      expect(!m.ok && m.error.code).toBe("UNEXPECTED_RESPONSE");
      const b = await act(emu.url, "approve", 11);
      expect(!b.ok && b.error.code).toBe("UNEXPECTED_RESPONSE");
      emu.state.malformed = false;
    });
  });
}
