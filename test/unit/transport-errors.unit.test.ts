import { describe, expect, it } from "vitest";
import { classifyTransportError } from "../../src/engine/http.js";
import { TestFailure } from "../../src/engine/types.js";

/** Error classification (src/engine/http.ts): the codes undici and Node put on errors and their causes. */
const url = new URL("http://nas.local:8989/api");
const err = (code: string, cause?: unknown) => Object.assign(new Error(`failed: ${code}`), { code, cause });
const wrapped = (code: string) => new TypeError("fetch failed", { cause: err(code) });

describe("classifyTransportError", () => {
  it.each([
    ["ECONNREFUSED", "CONNECTION_REFUSED", /Nothing is listening on nas\.local:8989/],
    ["ENOTFOUND", "DNS_ERROR", /host name nas\.local was not found/],
    ["EAI_AGAIN", "DNS_ERROR", /DNS/],
    ["EHOSTUNREACH", "HOST_UNREACHABLE", /no route to host/],
    ["UND_ERR_CONNECT_TIMEOUT", "TIMEOUT", /did not answer in time/],
    ["DEPTH_ZERO_SELF_SIGNED_CERT", "CERTIFICATE_ERROR", /self-signed/],
    ["CERT_HAS_EXPIRED", "CERTIFICATE_ERROR", /has expired/],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "UNEXPECTED_RESPONSE", /does not speak HTTPS/],
    ["ECONNRESET", "UNEXPECTED_RESPONSE", /closed the connection/],
    ["HPE_INVALID_CONSTANT", "UNEXPECTED_RESPONSE", /did not answer with valid HTTP\. It may speak HTTPS/],
    ["EWHATEVER", "UNKNOWN", /failed \(EWHATEVER\)/],
  ])("%s (also as the cause of fetch's TypeError) → %s", (code, expected, message) => {
    for (const e of [err(code), wrapped(code)]) {
      const f = classifyTransportError(e, url);
      expect(f).toBeInstanceOf(TestFailure);
      expect({ code: f.code, message: f.message }).toMatchObject({ code: expected, message: expect.stringMatching(message) });
    }
  });

  it("a certificate failure carries the URL to fetch the certificate from and the TLS code", () => {
    const f = classifyTransportError(wrapped("SELF_SIGNED_CERT_IN_CHAIN"), new URL("https://nas.local/"));
    expect(f.code).toBe("CERTIFICATE_ERROR");
    expect(f.certificateUrl?.href).toBe("https://nas.local/");
    expect(f.message).toContain("nas.local:443");
  });

  it("our own deadline wins over whatever error the abort produced; a TestFailure passes through", () => {
    const controller = new AbortController();
    controller.abort();
    expect(classifyTransportError(err("ECONNRESET"), url, controller.signal).code).toBe("TIMEOUT");
    const own = new TestFailure("INVALID_CREDENTIALS", "wrong key");
    expect(classifyTransportError(own, url)).toBe(own);
  });
});
