import { describe, expect, it } from "vitest";
import { REDACTED, redact, redactDeep, redactionValues } from "../../src/engine/redact.js";

/** Redaction (src/engine/redact.ts): every spelling an upstream may echo a secret in. */
const KEY = "s3cr3t/key with space&'quote";

describe("redact", () => {
  it("removes the raw value and its URL-, JSON-, HTML- and base64-encoded forms", () => {
    const forms = [
      KEY,
      encodeURIComponent(KEY),
      encodeURIComponent(KEY).replace(/%20/g, "+"),
      encodeURIComponent(KEY).toLowerCase(),
      JSON.stringify(KEY).slice(1, -1),
      JSON.stringify(KEY).slice(1, -1).replace(/\//g, "\\/"),
      KEY.replace(/&/g, "&amp;").replace(/'/g, "&#39;"),
      Buffer.from(KEY).toString("base64"),
      Buffer.from(KEY).toString("base64url"),
    ];
    for (const form of forms) expect(redact(`before ${form} after`, [KEY]), form).toBe(`before ${REDACTED} after`);
  });

  it("a short secret is replaced only as a whole word", () => {
    expect(redact("abc abcdef xabc abc.", ["abc"])).toBe(`${REDACTED} abcdef xabc ${REDACTED}.`);
  });

  it("a text cut off inside a secret loses the beginning of the secret too", () => {
    const key = "0123456789abcdef0123";
    expect(redact(`{"apikey":"${key.slice(0, 12)}`, [key])).toBe(`{"apikey":"${REDACTED}`);
    // Too short a tail could be anything: kept.
    expect(redact("ends with 012", [key])).toBe("ends with 012");
  });

  it("the longer secret goes first, so a password that contains the username leaves nothing", () => {
    const values = redactionValues({ username: "admin", password: "admin-password-77" });
    expect(values).toContain("admin:admin-password-77");
    expect(redact("login admin-password-77 for admin", values)).toBe(`login ${REDACTED} for ${REDACTED}`);
    expect(redact(`Basic ${Buffer.from("admin:admin-password-77").toString("base64")}`, values)).toBe(`Basic ${REDACTED}`);
  });

  it("nothing to redact leaves the text as it is; empty values are not secrets", () => {
    expect(redactionValues({ apiKey: "", token: null, url: undefined })).toEqual([]);
    expect(redact("plain text", [])).toBe("plain text");
  });
});

describe("redactDeep", () => {
  it("redacts strings and keys inside objects, arrays, Maps and Sets without modifying the input", () => {
    const input = { [`k-${KEY}`]: [KEY, new Map([["m", `x ${KEY}`]]), new Set([KEY])], when: new Date(0), n: 5 };
    const out = redactDeep(input, [KEY]);
    expect(JSON.stringify(input)).toContain(KEY);
    expect(Object.keys(out)).toEqual([`k-${REDACTED}`, "when", "n"]);
    const [first, map, set] = out[`k-${REDACTED}` as keyof typeof out] as unknown as [string, Map<string, string>, Set<string>];
    expect(first).toBe(REDACTED);
    expect(map.get("m")).toBe(`x ${REDACTED}`);
    expect([...set]).toEqual([REDACTED]);
    expect(out.when).toBe(input.when);
  });

  it("URLs lose user info and credential parameters instead of getting *** inside them", () => {
    const out = redactDeep({ poster: "http://user:pw@sonarr.local/img/1.jpg?apikey=abc123456&size=2", rel: "/MediaCover/1?X-Plex-Token=zzzzzzzz&w=3" }, ["abc123456"]);
    expect(out).toEqual({ poster: "http://sonarr.local/img/1.jpg?size=2", rel: "/MediaCover/1?w=3" });
  });
});
