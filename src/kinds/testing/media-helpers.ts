import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { errorOf, startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { startHtmlPage } from "./kind-helpers.js";

export { closedPort } from "./kind-helpers.js";

/** Shared bits of the media-server / media-request kind tests (plex, jellyfin, emby, overseerr, jellyseerr). */

export type SecretInput = { kind: "apiKey" | "username" | "password" | "token" | "url"; value: string }[];

/** The exotic search query every kind test uses, and its strict percent-encoding written out by hand. */
export const EXOTIC_QUERY = `Schindler's List (1993) & "quotes"`;
export const EXOTIC_STRICT = "Schindler%27s%20List%20%281993%29%20%26%20%22quotes%22";

export async function createOk(s: TestServer, kind: string, url: string, secrets: SecretInput, name = `${kind}-${Math.random().toString(36).slice(2, 7)}`) {
  const r = await s.admin.integration.create.mutate({ name, kind: kind as never, url, secrets });
  if (!("id" in r) || !r.id) throw new Error(`create failed: ${JSON.stringify(r)}`);
  return r.id;
}

export async function testConn(s: TestServer, kind: string, url: string, secrets: SecretInput) {
  return (await s.admin.integration.testConnection.mutate({ kind: kind as never, url, secrets })) as
    | { ok: true; version?: string }
    | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } };
}

/** Asserts a failed test with the given code; returns the error. */
export async function expectTestError(s: TestServer, kind: string, url: string, secrets: SecretInput, code: string) {
  const r = await testConn(s, kind, url, secrets);
  if (r.ok) throw new Error(`expected ${code}, got ok ${JSON.stringify(r)}`);
  expect(r.error.code, r.error.message).toBe(code);
  expectNoSecrets(s, r, secrets);
  return r.error;
}

/** No secret value in the given object (as JSON) nor anywhere in the server's log so far. */
export function expectNoSecrets(s: TestServer, value: unknown, secrets: SecretInput) {
  const text = JSON.stringify(value);
  const logs = s.logs.join("\n");
  for (const { kind, value: v } of secrets) {
    if (kind === "username") continue; // public by contract
    expect(text).not.toContain(v);
    expect(logs).not.toContain(v);
  }
}

/** Some unrelated web site: every path answers a 200 HTML page. */
export const startWebPage = (title = "Welcome to nginx!") => startHtmlPage(title, title);

/**
 * Search against a server that starts hanging after the integration was created: GATEWAY_TIMEOUT well within
 * a short deadline (1 s here), with no secret in the error. `start` gives an emulator with a `hang` switch.
 */
/**
 * A search against a service that stops answering is GATEWAY_TIMEOUT within the deadline, with no secret in the
 * error or the log. `hang` switches the started emulator to hanging (each emulator keeps that switch its own way).
 */
export function describeSearchHang<T extends { url: string; close(): Promise<void> }>(kind: string, secrets: SecretInput, start: () => Promise<T>, hang: (server: T) => void) {
  describe(`${kind} search against a hanging server`, () => {
    let fast: TestServer;
    beforeAll(async () => {
      fast = await startPatchbay({ testTimeoutMs: 1000 });
    });
    afterAll(() => fast?.close());

    it("is GATEWAY_TIMEOUT within the deadline", async () => {
      const slow = await start();
      try {
        const integrationId = await createOk(fast, kind, slow.url, secrets);
        hang(slow);
        const started = Date.now();
        const err = await errorOf(fast.admin.integration.searchInIntegration.query({ integrationId, query: EXOTIC_QUERY }));
        expect(err.code).toBe("GATEWAY_TIMEOUT");
        expect(Date.now() - started).toBeLessThan(4000);
        expectNoSecrets(fast, err, secrets);
      } finally {
        await slow.close();
      }
    });
  });
}
