import fs from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { errorBody } from "../../src/api/error-body.js";
import { apiKeyOf, isCrossSite } from "../../src/server/context.js";
import { fieldError, UpstreamError } from "../../src/services/errors.js";

/**
 * The request edge on its own (docs/architecture.md, "Life of a request"): the credentials and CSRF signal of
 * a request, the one error mapper, and no reading of tRPC's or zod's private internals anywhere in src/.
 */

/** The source with comments blanked out (strings kept, so `x["_def"]` still counts), line breaks preserved. */
function withoutComments(source: string): string {
  let out = "";
  let state: "code" | "line" | "block" | "'" | '"' | "`" = "code";
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const next = source[i + 1];
    if (state === "code") {
      if (c === "/" && next === "/") state = "line";
      else if (c === "/" && next === "*") state = "block";
      else if (c === "'" || c === '"' || c === "`") state = c;
      out += state === "line" || state === "block" ? " " : c;
    } else if (state === "line") {
      if (c === "\n") state = "code";
      out += c === "\n" ? c : " ";
    } else if (state === "block") {
      if (c === "*" && next === "/") {
        state = "code";
        out += "  ";
        i++;
      } else out += c === "\n" ? c : " ";
    } else {
      out += c;
      if (c === "\\") out += source[++i] ?? "";
      else if (c === state || (c === "\n" && state !== "`")) state = "code";
    }
  }
  return out;
}

/** Uses of private internals in TypeScript source: `x._def` / `x?._def`, `x["_def"]`, and anything `_zod`. Comments are not code. */
function privateInternals(source: string): string[] {
  const code = withoutComments(source);
  return [...code.matchAll(/\??\.\s*_def\b|\[\s*["'`]_def["'`]\s*\]|_zod/g)].map((m) => `${m[0]} at line ${code.slice(0, m.index).split("\n").length}`);
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.tsx?$/.test(e.name) ? [p] : [];
  });
}

describe("no private internals of tRPC or zod", () => {
  it("the check finds them in code and not in comments", () => {
    expect(privateInternals("const a = appRouter._def.procedures;")).toHaveLength(1);
    expect(privateInternals("const a = p?._def;")).toHaveLength(1);
    expect(privateInternals('const a = p["_def"];')).toHaveLength(1);
    expect(privateInternals("const t = schema._zod.def.type;")).toHaveLength(1);
    expect(privateInternals("type Z = { _zod: unknown };")).toHaveLength(1);
    expect(privateInternals("// reads appRouter._def in a comment\n/* and _zod.def */ const x = 1;")).toEqual([]);
    expect(privateInternals('const url = "http://example.com/_def";')).toEqual([]);
    // "//" inside a string starts no comment: the access after it still counts.
    expect(privateInternals('const u = "http://x"; const d = p._def;')).toEqual(["._def at line 1"]);
    expect(privateInternals("/* a\n b */\nconst d = p\n  ._def;")).toEqual(["._def at line 4"]);
  });

  it("src/ reads neither `._def` nor `_zod` (REST and MCP use public APIs, so an upgrade cannot silently change them)", () => {
    const root = path.resolve(import.meta.dirname, "../../src");
    const files = sourceFiles(root);
    expect(files.length).toBeGreaterThan(50);
    const offenders = files.flatMap((f) => privateInternals(fs.readFileSync(f, "utf8")).map((hit) => `${path.relative(root, f)}: ${hit}`));
    expect(offenders).toEqual([]);
  });
});

describe("credentials and the cross-site signal of a request", () => {
  it("the API key comes from ApiKey or Authorization: Bearer; blank values count as none", () => {
    expect(apiKeyOf({ apikey: " pb_a " })).toBe("pb_a");
    expect(apiKeyOf({ authorization: "Bearer pb_b" })).toBe("pb_b");
    expect(apiKeyOf({ authorization: "bearer   pb_c  " })).toBe("pb_c");
    expect(apiKeyOf({ apikey: "   ", authorization: "Bearer pb_d" })).toBe("pb_d");
    expect(apiKeyOf({ authorization: "Bearer   " })).toBeUndefined();
    expect(apiKeyOf({ authorization: "Basic dXNlcjpwYXNz" })).toBeUndefined();
    expect(apiKeyOf({})).toBeUndefined();
  });

  it("a request is cross-site when its Origin (or Referer) names another host, or Origin is null", () => {
    expect(isCrossSite({ host: "hub:7575", origin: "http://hub:7575" })).toBe(false);
    expect(isCrossSite({ host: "hub:7575", referer: "http://hub:7575/integrations" })).toBe(false);
    expect(isCrossSite({ host: "hub:7575" })).toBe(false);
    expect(isCrossSite({ host: "hub:7575", origin: "https://evil.example" })).toBe(true);
    expect(isCrossSite({ host: "hub:7575", referer: "https://evil.example/page" })).toBe(true);
    expect(isCrossSite({ host: "hub:7575", origin: "null" })).toBe(true);
    expect(isCrossSite({ host: "hub:7575", origin: "not a url" })).toBe(true);
  });
});

describe("the one error mapper", () => {
  it("zod's refusal: 400, every field as {path, message}, and a message built from them", () => {
    const parsed = z.object({ name: z.string().min(1, "must not be empty"), secrets: z.array(z.object({ value: z.string() })) }).safeParse({ name: "", secrets: [{ value: 1 }] });
    const { status, body } = errorBody(new TRPCError({ code: "BAD_REQUEST", cause: parsed.error }));
    expect(status).toBe(400);
    expect(body.code).toBe("BAD_REQUEST");
    expect(body.issues).toEqual([
      { path: "name", message: "must not be empty" },
      { path: "secrets[0].value", message: expect.any(String) },
    ]);
    expect(body.message).toBe(body.issues!.map((i) => `${i.path}: ${i.message}`).join("; "));
  });

  it("a service's field error keeps its code and message and carries its field", () => {
    expect(errorBody(fieldError("CONFLICT", "username", "this username is taken"))).toEqual({
      status: 409,
      body: { code: "CONFLICT", message: "username: this username is taken", issues: [{ path: "username", message: "this username is taken" }] },
    });
  });

  it("refusals without a field have no issues; internal errors never show their text", () => {
    expect(errorBody(new TRPCError({ code: "FORBIDDEN", message: "Missing permission: integration-create" }))).toEqual({
      status: 403,
      body: { code: "FORBIDDEN", message: "Missing permission: integration-create" },
    });
    expect(errorBody(new Error("SQLITE_ERROR near password_hash"))).toEqual({ status: 500, body: { code: "INTERNAL_SERVER_ERROR", message: "Internal server error" } });
  });

  it("a failing service during a call carries its connection-test error (502, 504 on a timeout)", () => {
    const refused = errorBody(new UpstreamError({ code: "CONNECTION_REFUSED", message: "Nothing listens on 127.0.0.1:9" }));
    expect(refused).toEqual({ status: 502, body: { code: "BAD_GATEWAY", message: "Nothing listens on 127.0.0.1:9", upstream: { code: "CONNECTION_REFUSED", message: "Nothing listens on 127.0.0.1:9" } } });
    expect(errorBody(new UpstreamError({ code: "TIMEOUT", message: "no answer" })).status).toBe(504);
  });
});
