import { describe, expect, it } from "vitest";
import { compareVersions } from "../../src/engine/version.js";

describe("compareVersions (src/engine/version.ts)", () => {
  it("compares dotted parts numerically, not as text", () => {
    expect(compareVersions("4.10", "4.9")).toBe(1);
    expect(compareVersions("4.0.14.2939", "4.0.2")).toBe(1);
    expect(compareVersions("1.2", "1.10.0")).toBe(-1);
  });

  it("missing parts count as zero; a leading v, suffixes and build notes are ignored", () => {
    expect(compareVersions("4.5", "4.5.0.0")).toBe(0);
    expect(compareVersions("v4.5.2", "4.5.2")).toBe(0);
    expect(compareVersions("4.1.0-beta.2", "4.1.0")).toBe(0);
    expect(compareVersions(" 2.2.0 (bb6b5a0)", "2.1.99")).toBe(1);
  });

  it("a text without a version is 0", () => {
    expect(compareVersions("unknown", "0")).toBe(0);
    expect(compareVersions("unknown", "0.1")).toBe(-1);
  });
});
