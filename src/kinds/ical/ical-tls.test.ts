import crypto from "node:crypto";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPatchbay, type TestServer } from "../../../test/helpers/patchbay.js";
import { selfSignedCert } from "../testing/tls.js";

/**
 * An iCal feed on a self-signed HTTPS server that is not the integration's web address: the certificate
 * offered for trust is the feed server's, and trusting it makes the test pass.
 */
const CALENDAR = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:1\r\nDTSTART:20261201T100000Z\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

let s: TestServer;
let feed: https.Server;
let feedUrl: string;
const cert = selfSignedCert({ cn: "cal.lan", san: "DNS:cal.lan" });

beforeAll(async () => {
  s = await startPatchbay();
  feed = https.createServer({ key: cert.key, cert: cert.cert }, (_req, res) => {
    res.writeHead(200, { "content-type": "text/calendar" });
    res.end(CALENDAR);
  });
  await new Promise<void>((r) => feed.listen(0, "127.0.0.1", r));
  feedUrl = `https://127.0.0.1:${(feed.address() as AddressInfo).port}/cal/secret-token-feed.ics`;
});
afterAll(async () => {
  feed?.closeAllConnections();
  await new Promise((r) => feed?.close(r));
  await s?.close();
});

describe("iCal feed behind a self-signed certificate", () => {
  it("offers the feed server's certificate, and passes once it is trusted", async () => {
    const input = { kind: "ical", url: "http://127.0.0.1:1", secrets: [{ kind: "url" as const, value: feedUrl }] };
    const res = await s.admin.integration.testConnection.mutate(input);
    expect(!res.ok && res.error.code).toBe("CERTIFICATE_ERROR");
    const offered = !res.ok ? res.error.certificate : undefined;
    expect(offered?.fingerprint256).toBe(new crypto.X509Certificate(cert.cert).fingerprint256);
    expect(offered?.subject).toBe("CN=cal.lan");
    // The secret feed URL itself never appears in the error.
    expect(JSON.stringify(res)).not.toContain("secret-token-feed");
    await s.admin.certificate.trust.mutate({ pem: offered!.pem });
    expect(await s.admin.integration.testConnection.mutate(input)).toEqual({ ok: true });
  });
});
