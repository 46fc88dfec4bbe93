import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { available as nzbgetAvailable, startNzbget, type RealNzbget } from "../nzbget/real.js";
import { available, startRadicale, type RealRadicale } from "./radicale-real.js";
import { startRecordingProxy } from "../testing/recording-proxy.js";
import { closedPort, createIntegration, expectNoSecret, testConnection, type Secret } from "../testing/kind-helpers.js";

/**
 * The ical kind against a real Radicale (Debian 3.1.8) serving a CalDAV calendar as an iCal feed, through
 * Patchbay's public API over HTTP. The secret is the feed URL itself (with the login as userinfo); the
 * integration's url is Radicale's web address. The feed URL must never show up in an error, not even as
 * host, port or path.
 */
describe.skipIf(!available())("iCal feed (real Radicale)", () => {
  let s: TestServer;
  let cal: RealRadicale;
  // NZBGet is only the "another service" of one test: without it, that test alone is skipped.
  let nzb: RealNzbget | undefined;
  const feed = (value: string): Secret[] => [{ kind: "url", value }];
  /** A feed URL for the same calendar with other userinfo ("" = none). */
  const withLogin = (userinfo: string) => cal.feedUrl.replace(/\/\/[^@/]*@/, userinfo ? `//${userinfo}@` : "//");
  const forbidden = () => [
    cal.feedUrl,
    cal.credentials.password,
    cal.calendarPath,
    `127.0.0.1:${cal.port}`,
    ...(nzb ? [nzb.credentials.password] : []),
  ];

  /** Runs testConnection and checks the code, and that nothing of any feed URL leaks into the error. */
  async function expectFeedError(feedUrl: string, code: string, extraForbidden: string[] = []) {
    const r = await testConnection(s, "ical", cal.url, feed(feedUrl));
    if (r.ok) throw new Error(`expected ${code}, but the test passed`);
    expect(r.error.code, r.error.message).toBe(code);
    expect(r.error.message).toMatch(/feed URL/);
    expectNoSecret(r.error, [feedUrl, ...forbidden(), ...extraForbidden]);
    return r.error;
  }

  beforeAll(async () => {
    [s, cal, nzb] = await Promise.all([startPatchbay(), startRadicale(), nzbgetAvailable() ? startNzbget() : undefined]);
  });
  afterAll(async () => {
    await Promise.all([s?.close(), cal?.stop(), nzb?.stop()]);
  });

  it("the catalog describes ical: calendar, secret option [url], no default port", async () => {
    const kinds = await s.anonymous.integration.getKinds.query();
    expect(kinds.find((k) => k.kind === "ical")).toMatchObject({ categories: ["calendar"], secretOptions: [["url"]], defaultPort: null });
  });

  it("create saves the integration; testConnection passes (a feed has no server version to report)", async () => {
    const id = await createIntegration(s, "Calendar", "ical", cal.url, feed(cal.feedUrl));
    expect(await s.admin.integration.testConnection.mutate({ id })).toEqual({ ok: true });
  });

  it("fetches the feed with the userinfo turned into a Basic header, and the feed holds the harness's VEVENT", async () => {
    const proxy = await startRecordingProxy(cal.url);
    try {
      const proxied = cal.feedUrl.replace(`127.0.0.1:${cal.port}`, new URL(proxy.url).host);
      expect(await testConnection(s, "ical", cal.url, feed(proxied))).toEqual({ ok: true });
      expect(proxy.exchanges).toHaveLength(1);
      const [ex] = proxy.exchanges;
      expect(ex).toMatchObject({ method: "GET", path: cal.calendarPath, status: 200 });
      const basic = Buffer.from(`${cal.credentials.username}:${cal.credentials.password}`).toString("base64");
      expect(ex!.requestHeaders.authorization).toBe(`Basic ${basic}`);
      expect(ex!.responseHeaders["content-type"]).toMatch(/^text\/calendar/);
      expect(ex!.responseBody).toMatch(/^BEGIN:VCALENDAR/);
      expect(ex!.responseBody).toContain(`UID:${cal.event.uid}`);
      expect(ex!.responseBody).toContain(`SUMMARY:${cal.event.summary}`);
    } finally {
      await proxy.close();
    }
  });

  it("an empty calendar (no VEVENT) is a valid feed", async () => {
    const empty = await cal.createCalendar(`empty-${Date.now()}`);
    const body = await (await fetch(empty.replace(/\/\/[^@/]*@/, "//"), { headers: { authorization: "Basic " + Buffer.from(`${cal.credentials.username}:${cal.credentials.password}`).toString("base64") } })).text();
    expect(body).toMatch(/^BEGIN:VCALENDAR/);
    expect(body).not.toContain("VEVENT");
    expect(await testConnection(s, "ical", cal.url, feed(empty))).toEqual({ ok: true });
  });

  it("a wrong or missing password in the feed URL is INVALID_CREDENTIALS; create saves nothing", async () => {
    const before = (await s.admin.integration.all.query()).length;
    const wrong = withLogin(`${cal.credentials.username}:not-the-cal-password-2b8d`);
    const e = await expectFeedError(wrong, "INVALID_CREDENTIALS", ["not-the-cal-password-2b8d"]);
    expect(e.details).toMatchObject({ statusCode: 401 });
    await expectFeedError(withLogin(""), "INVALID_CREDENTIALS");

    const created = await s.admin.integration.create.mutate({ name: "cal wrong", kind: "ical", url: cal.url, secrets: feed(wrong) });
    expect(created).toMatchObject({ error: { code: "INVALID_CREDENTIALS" } });
    expectNoSecret(created, [wrong, ...forbidden()]);
    expect((await s.admin.integration.all.query()).length).toBe(before);
  });

  it.skipIf(!nzbgetAvailable())("a feed URL that reaches another service (NZBGet's web UI, with its login) is UNEXPECTED_RESPONSE", async () => {
    const n = nzb!;
    const other = `http://${n.credentials.username}:${n.credentials.password}@127.0.0.1:${n.port}/`;
    const e = await expectFeedError(other, "UNEXPECTED_RESPONSE", [`127.0.0.1:${n.port}`]);
    expect(e.message).toMatch(/iCalendar/);
  });

  it("a feed URL pointing at Radicale's web page instead of a calendar is UNEXPECTED_RESPONSE", async () => {
    await expectFeedError(`${withLogin(`${cal.credentials.username}:${cal.credentials.password}`).replace(cal.calendarPath, "/.web/")}`, "UNEXPECTED_RESPONSE");
  });

  it("webcal:// is fetched as https:// (Radicale here speaks plain HTTP, so the TLS handshake fails)", async () => {
    const e = await expectFeedError(cal.feedUrl.replace(/^http:/, "webcal:"), "UNEXPECTED_RESPONSE");
    expect(e.message).toMatch(/does not speak HTTPS/);
  });

  it("a closed port in the feed URL is CONNECTION_REFUSED, without naming host or port", async () => {
    const port = await closedPort();
    await expectFeedError(cal.feedUrl.replace(`:${cal.port}/`, `:${port}/`), "CONNECTION_REFUSED", [`:${port}`]);
  });

  it("an unknown host in the feed URL is DNS_ERROR, without naming the host", async () => {
    await expectFeedError("https://reader:pw-5e2a@feed-host-7c1e.invalid/private/cal.ics", "DNS_ERROR", ["feed-host-7c1e", "pw-5e2a", "/private/cal.ics"]);
  });

  it("a feed URL that is not a URL is INVALID_CREDENTIALS, without echoing it", async () => {
    await expectFeedError("calendar-token-7f3a9e", "INVALID_CREDENTIALS", ["calendar-token-7f3a9e"]);
    await expectFeedError("ftp://files.example/cal.ics", "INVALID_CREDENTIALS", ["files.example"]);
  });

  it("Patchbay's log never contains the feed URL or its password", () => {
    const logs = s.logs.join("\n");
    expect(logs).toMatch(/ical/);
    expectNoSecret(logs, [cal.feedUrl, cal.credentials.password, cal.calendarPath]);
  });
});
