import { describe, expect, it } from "vitest";
import { accessFlags, expandPermissions, GLOBAL_PERMISSIONS, globalIntegrationLevel, LEVELS, levelName } from "../../src/auth/permissions.js";

describe("global permissions and integration levels (src/auth/permissions.ts)", () => {
  it("admin implies every permission; the closure is transitive", () => {
    expect([...expandPermissions(["admin"])].sort()).toEqual([...GLOBAL_PERMISSIONS].sort());
    expect([...expandPermissions(["integration-full-all"])].sort()).toEqual(["integration-create", "integration-full-all", "integration-interact-all", "integration-use-all"]);
    expect([...expandPermissions(["app-full-all"])].sort()).toEqual(["app-create", "app-full-all"]);
  });

  it("a lower key implies nothing above it, and unknown keys (a newer version's) are ignored", () => {
    expect([...expandPermissions(["integration-use-all", "time-travel"])]).toEqual(["integration-use-all"]);
    expect(expandPermissions(["integration-create"]).has("integration-use-all")).toBe(false);
    expect(expandPermissions([]).size).toBe(0);
  });

  it("the global integration level is the highest the permissions give", () => {
    expect(globalIntegrationLevel(expandPermissions(["admin"]))).toBe(LEVELS.full);
    expect(globalIntegrationLevel(expandPermissions(["integration-interact-all"]))).toBe(LEVELS.interact);
    expect(globalIntegrationLevel(expandPermissions(["integration-use-all"]))).toBe(LEVELS.use);
    expect(globalIntegrationLevel(expandPermissions(["integration-create", "app-full-all"]))).toBe(0);
  });

  it("levels map to names and access flags; each level includes the ones below", () => {
    expect([0, 1, 2, 3, 4].map(levelName)).toEqual([null, "use", "interact", "full", "full"]);
    expect(accessFlags(0)).toEqual({ hasUseAccess: false, hasInteractAccess: false, hasFullAccess: false });
    expect(accessFlags(LEVELS.use)).toEqual({ hasUseAccess: true, hasInteractAccess: false, hasFullAccess: false });
    expect(accessFlags(LEVELS.interact)).toEqual({ hasUseAccess: true, hasInteractAccess: true, hasFullAccess: false });
    expect(accessFlags(LEVELS.full)).toEqual({ hasUseAccess: true, hasInteractAccess: true, hasFullAccess: true });
  });
});
