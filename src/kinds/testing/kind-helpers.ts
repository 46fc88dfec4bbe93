import { afterAll, beforeAll, expect } from "vitest";
import { startFakeServer, type FakeServer } from "./server.js";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";

/** The query every kind's search test sends: an apostrophe, parentheses, an ampersand, double quotes, spaces. */
export const EXOTIC = `Schindler's List (1993) & "quotes"`;
/** EXOTIC strictly percent-encoded: %20 for spaces (never +), %27 %28 %29 for '(), %26 for &, %22 for ". */
export const EXOTIC_ENCODED = "Schindler%27s%20List%20%281993%29%20%26%20%22quotes%22";

/** Asserts a raw query value is strictly percent-encoded and decodes to EXOTIC. */
export function expectStrictlyEncoded(raw: string | undefined) {
  expect(raw).toBe(EXOTIC_ENCODED);
  expect(raw).not.toMatch(/[+'()"& ]/);
  expect(decodeURIComponent(raw!)).toBe(EXOTIC);
}

export { closedPort } from "../../testing/net.js";

/** Some other web server (by default a router admin page) that answers 200 HTML on every path. */
export function startHtmlPage(title = "Router admin", heading = "Welcome to your router"): Promise<FakeServer> {
  return startFakeServer((_req, res) => {
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
    res.end(`<!DOCTYPE html><html><head><title>${title}</title></head><body><h1>${heading}</h1></body></html>`);
  });
}

export type Secret = { kind: "apiKey" | "token" | "username" | "password" | "url"; value: string };

/** Runs integration.testConnection (without saving) and returns the outcome. */
export function testConnection(s: TestServer, kind: string, url: string, secrets: Secret[]) {
  return s.admin.integration.testConnection.mutate({ kind, url, secrets }) as Promise<
    { ok: true; version?: string } | { ok: false; error: { code: string; message: string; details?: Record<string, unknown> } }
  >;
}

/** Runs testConnection and expects it to fail with `code`; returns the error, checked for leaked secrets. */
export async function expectTestError(s: TestServer, kind: string, url: string, secrets: Secret[], code: string) {
  const res = await testConnection(s, kind, url, secrets);
  if (res.ok) throw new Error(`expected ${code}, but the test passed (version ${res.version})`);
  expect(res.error.code, res.error.message).toBe(code);
  expectNoSecret(res.error, secrets.map((x) => x.value));
  return res.error;
}

/** Other kinds pointed at a service that is not theirs: each is UNEXPECTED_RESPONSE naming what it expected, no secret in it. */
export async function expectOtherKindsRefuse(s: TestServer, url: string, secrets: string[], others: { kind: string; secrets: Secret[]; names: RegExp }[]) {
  for (const other of others) {
    const error = await expectTestError(s, other.kind, url, other.secrets, "UNEXPECTED_RESPONSE");
    expect(error.message).toMatch(other.names);
    expectNoSecret(error, secrets);
  }
}

/** Creates an integration through the API (which runs the connection test first) and returns its id. */
export async function createIntegration(s: TestServer, name: string, kind: string, url: string, secrets: Secret[]): Promise<string> {
  const res = (await s.admin.integration.create.mutate({ name, kind, url, secrets })) as { id?: string; error?: { code: string; message: string } };
  if (res.error || !res.id) throw new Error(`create failed: ${JSON.stringify(res.error)}`);
  return res.id;
}

/** No secret value, in plain or URL-encoded form, anywhere in what the user (or a log) gets. */
export function expectNoSecret(value: unknown, secrets: string[]) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  for (const secret of secrets) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(encodeURIComponent(secret));
  }
}

/**
 * The Patchbay of one kind test file: started before its tests (handed to `use`), stopped after them together
 * with every server passed through the returned `track`, its log checked for `secrets` at the end.
 */
export function usePatchbay(secrets: string[], use: (s: TestServer) => void) {
  let s: TestServer | undefined;
  const closers: { close(): Promise<unknown> }[] = [];
  beforeAll(async () => {
    s = await startPatchbay();
    use(s);
  });
  afterAll(async () => {
    await Promise.all(closers.map((c) => c.close()));
    if (s) expectNoSecret(s.logs.join("\n"), secrets);
    await s?.close();
  });
  return async function track<T extends { close(): Promise<unknown> }>(p: Promise<T>): Promise<T> {
    const x = await p;
    closers.push(x);
    return x;
  };
}
