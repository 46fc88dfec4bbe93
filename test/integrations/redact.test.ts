import { describe, expect, it } from "vitest";
import { redact, redactDeep, redactionValues } from "../../src/engine/redact.js";

// Each form below is one an upstream really produces: HTML pages (escaped), JSON bodies (escaped, PHP's \/),
// query strings (%20 and +), HTTP Basic headers echoed back (base64 of user:password).
const KEY = `k3y/with spaces&"quotes"<'tags'>+é`;

describe("redact: every form an upstream echoes a secret in", () => {
  const forms: [string, string][] = [
    ["raw", KEY],
    ["URL-encoded, %20", encodeURIComponent(KEY)],
    ["URL-encoded, +", encodeURIComponent(KEY).replace(/%20/g, "+")],
    ["URL-encoded, form (URLSearchParams)", new URLSearchParams({ a: KEY }).toString().slice(2)],
    ["URL-encoded, lower-case hex", encodeURIComponent(KEY).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase())],
    ["JSON-escaped", JSON.stringify(KEY).slice(1, -1)],
    ["JSON-escaped with \\/ (PHP)", JSON.stringify(KEY).slice(1, -1).replace(/\//g, "\\/")],
    ["JSON-escaped ASCII-only (Python)", JSON.stringify(KEY).slice(1, -1).replace("é", "\\u00e9")],
    ["HTML-escaped &#39;", KEY.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;")],
    ["HTML-escaped &#x27;", KEY.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#x27;")],
    ["base64", Buffer.from(KEY).toString("base64")],
  ];
  for (const [name, form] of forms) {
    it(name, () => {
      const out = redact(`before ${form} after`, [KEY]);
      expect(out).toBe("before *** after");
    });
  }

  it("base64 of username:password (an echoed Basic authorization header)", () => {
    const secrets = redactionValues({ username: "alice", password: "s3cret-pass" });
    const header = `Basic ${Buffer.from("alice:s3cret-pass").toString("base64")}`;
    expect(redact(`got ${header}`, secrets)).toBe("got Basic ***");
  });

  it("replaces longer secrets first: a password containing the username leaves nothing behind", () => {
    const out = redact("pw=adminadmin99 user=admin", ["admin", "adminadmin99"]);
    expect(out).toBe("pw=*** user=***");
    expect(out).not.toContain("99");
  });

  it("secrets shorter than 4 characters are replaced only as whole words", () => {
    expect(redact("pin: abc, alphabetical abcde", ["abc"])).toBe("pin: ***, alphabetical abcde");
    expect(redact("a 4-character secret goes everywhere: xwordx", ["word"])).toBe("a 4-character secret goes everywhere: x***x");
  });

  it("a secret cut off by truncation loses its remaining beginning too (redaction before truncation)", () => {
    const secret = "0123456789abcdef0123";
    const truncated = `overview mentions ${secret}`.slice(0, 30); // ends in "0123456789ab"
    const out = redact(truncated, [secret]);
    expect(out).toBe("overview mentions ***");
  });
});

describe("redactDeep", () => {
  it("walks objects, arrays, Maps and Sets, keeps Dates, rewrites credential URLs, and does not modify its input", () => {
    const when = new Date("2026-01-01T00:00:00Z");
    const input = {
      id: "tt123-KEYKEYKEY",
      link: "http://plex.local:32400/web/index.html?X-Plex-Token=KEYKEYKEY#!/details",
      image: "http://emby.local/Items/1/Images/Primary?api_key=KEYKEYKEY&maxWidth=300",
      relative: "/api/v3/MediaCover/1/poster.jpg?apikey=other-value&lastWrite=1",
      userinfo: "http://bob:pw@host.local/x?token=abc",
      nested: [{ text: "key is KEYKEYKEY" }, new Set(["KEYKEYKEY"]), new Map([["k", "KEYKEYKEY"]])],
      when,
      count: 3,
    };
    const copy = structuredClone(input);
    const out = redactDeep(input, ["KEYKEYKEY"]);
    expect(input).toEqual(copy);
    expect(out.id).toBe("tt123-***");
    expect(out.link).toBe("http://plex.local:32400/web/index.html#!/details");
    expect(out.image).toBe("http://emby.local/Items/1/Images/Primary?maxWidth=300");
    expect(out.relative).toBe("/api/v3/MediaCover/1/poster.jpg?lastWrite=1");
    expect(out.userinfo).toBe("http://host.local/x");
    expect(out.nested[0]).toEqual({ text: "key is ***" });
    expect([...(out.nested[1] as Set<string>)]).toEqual(["***"]);
    expect([...(out.nested[2] as Map<string, string>).values()]).toEqual(["***"]);
    expect(out.when).toBeInstanceOf(Date);
    expect(out.when.getTime()).toBe(when.getTime());
    expect(out.count).toBe(3);
    expect(JSON.stringify([...Object.values(out)])).not.toContain("KEYKEYKEY");
  });

  it("with no secrets a value comes back unchanged", () => {
    const v = { a: "http://x/?q=1" };
    expect(redactDeep(v, [])).toBe(v);
  });
});
