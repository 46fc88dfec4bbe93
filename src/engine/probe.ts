import type { HttpResponse } from "./http.js";
import { TestFailure } from "./types.js";

/**
 * Small helpers shared by the media-server and media-request adapters (plex, jellyfin, emby, overseerr,
 * jellyseerr): reading a body without throwing, and telling the user *what* answered when it was not the
 * service they picked ("an HTML page titled …", "JSON without …", "HTTP 404").
 */

export function tryJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** A short, secret-free description of an answer, for UNEXPECTED_RESPONSE messages. */
export function describeAnswer(res: Pick<HttpResponse, "status" | "text" | "header">): string {
  const type = (res.header("content-type") ?? "").toLowerCase();
  const text = res.text.trim();
  const title = /<title[^>]*>([^<]{1,80})<\/title>/i.exec(text)?.[1]?.trim();
  let what: string;
  if (/<html|<!doctype html/i.test(text.slice(0, 500)) || type.includes("text/html")) {
    what = title ? `an HTML page titled "${title}"` : "an HTML page";
  } else if (/^<\?xml|^<[A-Za-z]/.test(text)) {
    const root = /^(?:<\?xml[^>]*>\s*)?<([A-Za-z][\w:-]*)/.exec(text)?.[1];
    what = root ? `XML (<${root}>)` : "XML";
  } else if (text === "") {
    what = "an empty body";
  } else if (tryJson(text) !== undefined) {
    what = "JSON of another shape";
  } else {
    what = "plain text";
  }
  return `HTTP ${res.status} with ${what}`;
}

/** UNEXPECTED_RESPONSE naming what was found instead of `service`. */
export function notService(service: string, res: Pick<HttpResponse, "status" | "text" | "header">, hint: string): TestFailure {
  return new TestFailure("UNEXPECTED_RESPONSE", `This address does not answer like ${service}: it sent ${describeAnswer(res)}. ${hint}`, {
    statusCode: res.status,
  });
}

/** UNEXPECTED_RESPONSE for "reachable, is a known service, but another kind than the one picked". */
export function wrongKind(found: string, wanted: string): TestFailure {
  return new TestFailure("UNEXPECTED_RESPONSE", `This is ${found}, not ${wanted}. Pick the ${found} kind, or check the URL.`, { found });
}

/** Server errors and rate limits are HTTP_ERROR (the service exists but failed), not "wrong service". */
export function httpError(service: string, status: number): TestFailure {
  return new TestFailure("HTTP_ERROR", `${service} answered HTTP ${status}. Check ${service}'s own logs.`, { statusCode: status });
}

export function isServerError(status: number): boolean {
  return status >= 500 || status === 429;
}

/** Joins the integration's base URL (no trailing slash) with a path. */
export function baseOf(url: URL): string {
  return url.toString().replace(/\/+$/, "");
}
