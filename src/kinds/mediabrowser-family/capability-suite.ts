import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediaSessions } from "../../engine/capabilities.js";
import type { Secrets } from "../../engine/types.js";
import type { FakeServer } from "../testing/server.js";
import { runCapability } from "../testing/media-capabilities.js";
import { expectedSessions } from "./emulator.js";

interface SessionsServer extends FakeServer {
  state: { failData?: number; malformed?: boolean; playing?: Record<string, unknown>[] };
}

/** `mediaServer.sessions` of Jellyfin or Emby against each release given, called as the capability service does. */
export function mediaBrowserSessionsSuite(spec: {
  kind: "jellyfin" | "emby";
  releases: { label: string; start(): Promise<SessionsServer> }[];
  secrets: Secrets;
  wrongSecrets: Secrets;
}) {
  const sessions = (url: string, secrets: Secrets) => runCapability(spec.kind, url, secrets, (ctx, def) => def.capabilities!.mediaServer!.sessions(ctx));

  for (const release of spec.releases) {
    describe(`${spec.kind} mediaServer.sessions against ${release.label}`, () => {
      let srv: SessionsServer;
      beforeAll(async () => {
        srv = await release.start();
      });
      afterAll(() => srv?.close());

      it("maps now-playing sessions (progress, pause, transcoding, device) and leaves idle clients out", async () => {
        const r = await sessions(srv.url, spec.secrets);
        if (!r.ok) throw new Error(JSON.stringify(r.error));
        expect(MediaSessions.parse(r.value)).toEqual({ sessions: expectedSessions });
        for (const v of Object.values(spec.secrets)) expect(JSON.stringify(r.value)).not.toContain(v);
      });

      it("nobody playing is an empty list", async () => {
        srv.state.playing = [];
        const r = await sessions(srv.url, spec.secrets);
        expect(r).toEqual({ ok: true, value: { sessions: [] } });
        srv.state.playing = undefined;
      });

      it("a wrong credential is INVALID_CREDENTIALS; a 500 is HTTP_ERROR; another shape is UNEXPECTED_RESPONSE", async () => {
        const bad = await sessions(srv.url, spec.wrongSecrets);
        expect(!bad.ok && bad.error.code).toBe("INVALID_CREDENTIALS");
        for (const v of Object.values(spec.wrongSecrets)) expect(JSON.stringify(bad)).not.toContain(v);
        srv.state.failData = 500;
        const failed = await sessions(srv.url, spec.secrets);
        expect(!failed.ok && failed.error.code).toBe("HTTP_ERROR");
        srv.state.failData = undefined;
        srv.state.malformed = true;
        const odd = await sessions(srv.url, spec.secrets);
        expect(!odd.ok && odd.error.code).toBe("UNEXPECTED_RESPONSE");
        srv.state.malformed = false;
      });
    });
  }
}
