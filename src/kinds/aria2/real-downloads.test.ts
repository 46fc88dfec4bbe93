import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { act, eventually, expectFailure, forEachRelease, queueOf } from "../download-family/testing.js";
import { startAria2, type RealAria2 } from "./real.js";

/**
 * The downloads capability against real aria2 (issue #12): downloads added through aria2's own RPC (URIs on a
 * loopback HTTP server that trickles its answer, one added paused) appear in the queue; pause/resume/remove
 * through the capability change aria2's state, read back with aria2.tellStatus. Once per Debian release:
 * aria2c 1.36 (Debian 12) and 1.37 (Debian 13); aria2 writes into its --dir, inside the release's root.
 */
forEachRelease("aria2 downloads", ["aria2c"], (release) => {
  describe("aria2c", () => {
    let ar: RealAria2;
    let slow: http.Server;
    let base = "";
    let active = "";
    let paused = "";
    const secrets = () => ({ token: ar.credentials.token! });

    const own = async (method: string, params: unknown[] = []) => {
      const res = await fetch(`${ar.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params: [`token:${ar.credentials.token}`, ...params] }) });
      const body = (await res.json()) as { result?: unknown; error?: unknown };
      expect(body.error, method).toBeUndefined();
      return body.result;
    };
    const state = async (gid: string) => ((await own("aria2.tellStatus", [gid, ["status"]])) as { status: string }).status;

    beforeAll(async () => {
      // 8 MiB announced, 2 KiB sent every 100 ms: a download that stays active for the whole test.
      slow = http.createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream", "content-length": String(8 * 1024 * 1024) });
        const timer = setInterval(() => res.write(Buffer.alloc(2048)), 100);
        res.on("close", () => clearInterval(timer));
      });
      await new Promise<void>((r) => slow.listen(0, "127.0.0.1", r));
      base = `http://127.0.0.1:${(slow.address() as AddressInfo).port}`;
      ar = await startAria2({ release });
      active = (await own("aria2.addUri", [[`${base}/files/ubuntu.iso`]])) as string;
      paused = (await own("aria2.addUri", [[`${base}/files/debian.iso`], { pause: "true" }])) as string;
    });
    afterAll(async () => {
      await ar?.stop();
      slow?.closeAllConnections();
      await new Promise((r) => slow?.close(r));
    });

    it("downloads added through aria2's RPC appear in the queue with the contract's fields", async () => {
      await eventually(async () => (await queueOf("aria2", ar.url, secrets())).items.find((i) => i.id === active)?.size === 8 * 1024 * 1024, "download started");
      const q = await queueOf("aria2", ar.url, secrets());
      expect(q.status.paused).toBe(false);
      const a = q.items.find((i) => i.id === active)!;
      expect(a).toMatchObject({ id: active, name: "ubuntu.iso", type: "direct", state: "downloading", size: 8 * 1024 * 1024 });
      expect(a.progress).toBeGreaterThanOrEqual(0);
      expect(a.progress).toBeLessThan(1);
      expect(q.items.find((i) => i.id === paused)).toMatchObject({ id: paused, name: "debian.iso", type: "direct", state: "paused" });
    });

    it("pause and resume one download, then the whole client", async () => {
      await act("aria2", ar.url, secrets(), (d, ctx) => d.pause(ctx, { itemIds: [active] }));
      await eventually(async () => (await state(active)) === "paused", "active paused");
      await act("aria2", ar.url, secrets(), (d, ctx) => d.resume(ctx, { itemIds: [active, paused] }));
      await eventually(async () => (await state(active)) !== "paused" && (await state(paused)) !== "paused", "both resumed");

      await act("aria2", ar.url, secrets(), (d, ctx) => d.pause(ctx, {}));
      await eventually(async () => (await state(active)) === "paused" && (await state(paused)) === "paused", "all paused");
      expect((await queueOf("aria2", ar.url, secrets())).status.paused).toBe(true);
      await act("aria2", ar.url, secrets(), (d, ctx) => d.resume(ctx, {}));
      await eventually(async () => (await state(active)) !== "paused", "all resumed");
    });

    it("remove drops the download from aria2; deleteFiles is refused (aria2 has no RPC for it); an unknown GID fails", async () => {
      const err = await expectFailure("aria2", ar.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [active], deleteFiles: true }), "UNEXPECTED_RESPONSE");
      expect(err.message).toMatch(/cannot delete/);
      expect(await state(active)).not.toBe("removed");
      await expectFailure("aria2", ar.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: ["0123456789abcdef"], deleteFiles: false }), "UNEXPECTED_RESPONSE");

      await act("aria2", ar.url, secrets(), (d, ctx) => d.remove(ctx, { itemIds: [active, paused], deleteFiles: false }));
      const res = await fetch(`${ar.url}/jsonrpc`, { method: "POST", body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "aria2.tellStatus", params: [`token:${ar.credentials.token}`, active] }) });
      expect(((await res.json()) as { error?: { message: string } }).error?.message).toMatch(/not found/);
      expect((await queueOf("aria2", ar.url, secrets())).items).toEqual([]);
    });
    it("a wrong credential on the queue and on an action is INVALID_CREDENTIALS, with no secret in the message", async () => {
      await expectFailure("aria2", ar.url, { token: "wrong-token-000" }, (d, ctx) => d.queue(ctx, { limit: 10 }), "INVALID_CREDENTIALS");
      await expectFailure("aria2", ar.url, { token: "wrong-token-000" }, (d, ctx) => d.pause(ctx, {}), "INVALID_CREDENTIALS");
    });
  });
});
