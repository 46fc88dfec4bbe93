import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { releaseAvailable, releases } from "../testing/release.js";
import { startAria2Emulator, type Aria2Release } from "./emulator.js";
import { startAria2 } from "./real.js";

/**
 * The emulator against the real aria2c it stands for (Debian 12's 1.36, Debian 13's 1.37): the same requests
 * get the same status, content type and body from both, so the emulated matrix says what the real one does.
 */
const TOKEN = "aria2-fidelity-Tok-71d";
const EMULATED: Record<string, Aria2Release> = { "Debian 12": "1.36", "Debian 13": "1.37" };

async function call(url: string, body: string) {
  const t0 = Date.now();
  const res = await fetch(`${url}/jsonrpc`, { method: "POST", body });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), body: JSON.parse(text) as unknown, ms: Date.now() - t0 };
}
const req = (method: string, params: unknown[], token = TOKEN) => JSON.stringify({ jsonrpc: "2.0", id: "f", method, params: [`token:${token}`, ...params] });

for (const release of releases) {
  describe.skipIf(!releaseAvailable(release, ["aria2c"], "aria2 emulator fidelity"))(`aria2 emulator ${EMULATED[release.label]} = ${release.label} aria2c (real)`, () => {
    let real: Awaited<ReturnType<typeof startAria2>>;
    let emu: Awaited<ReturnType<typeof startAria2Emulator>>;
    beforeAll(async () => {
      real = await startAria2({ release, token: TOKEN });
      emu = await startAria2Emulator({ release: EMULATED[release.label]!, token: TOKEN });
    });
    afterAll(async () => {
      await Promise.all([real?.stop(), emu?.close()]);
    });
    const both = async (body: string) => Promise.all([call(real.url, body), call(emu.url, body)]);
    const same = (r: Awaited<ReturnType<typeof call>>, e: Awaited<ReturnType<typeof call>>) =>
      expect({ status: e.status, type: e.type, body: e.body }).toEqual({ status: r.status, type: r.type, body: r.body });

    it("getVersion: the same version", async () => {
      const [r, e] = await both(req("aria2.getVersion", []));
      expect(e.status).toBe(r.status);
      expect(e.type).toBe(r.type);
      expect((e.body as { result: { version: string } }).result.version).toBe(real.version);
    });

    it("a wrong token: HTTP 400 Unauthorized after a delay of about a second", async () => {
      const [r, e] = await both(req("aria2.getVersion", [], "wrong-token-000"));
      same(r, e);
      expect(r.ms).toBeGreaterThanOrEqual(900);
      expect(e.ms).toBeGreaterThanOrEqual(900);
    });

    it.each([
      ["an unknown GID", "aria2.tellStatus", ["0123456789abcdef", ["status"]]],
      ["an invalid GID", "aria2.pause", ["not-a-gid"]],
      ["an unknown method", "aria2.noSuchThing", []],
      ["the global stat of an empty session", "aria2.getGlobalStat", []],
      ["an empty stopped list", "aria2.tellStopped", [0, 10, ["gid"]]],
      ["pauseAll", "aria2.pauseAll", []],
    ])("%s: the same answer", async (_what, method, params) => {
      const [r, e] = await both(req(method, params));
      same(r, e);
    });

    it("a body that is not JSON: the same parse error", async () => {
      const [r, e] = await both("{not json");
      same(r, e);
    });
  });
}
