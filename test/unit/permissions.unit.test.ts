import { describe, expect, it } from "vitest";
import {
  accessFlags,
  expandPermissions,
  GLOBAL_PERMISSIONS,
  globalIntegrationLevel,
  highestLevels,
  INHERITING_PERMISSIONS,
  inheritedLevel,
  LEVELS,
  levelName,
  mayManageShared,
  missingGrants,
} from "../../src/auth/permissions.js";

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

describe("the permission owner's rules (src/auth/permissions.ts)", () => {
  it("a group inherits the level its global permission gives, through what the permission implies", () => {
    expect(inheritedLevel("admin")).toBe(LEVELS.full);
    expect(inheritedLevel("integration-full-all")).toBe(LEVELS.full);
    expect(inheritedLevel("integration-interact-all")).toBe(LEVELS.interact);
    expect(inheritedLevel("integration-use-all")).toBe(LEVELS.use);
    expect(inheritedLevel("integration-create")).toBe(0);
    expect(inheritedLevel("user-manage")).toBe(0);
    expect(inheritedLevel("no-such-permission")).toBe(0);
    expect([...INHERITING_PERMISSIONS].sort()).toEqual(["admin", "integration-full-all", "integration-interact-all", "integration-use-all"]);
  });

  it("several grants to one principal collapse to the highest level", () => {
    const levels = highestLevels([
      { principalId: "a", permission: "use" },
      { principalId: "b", permission: "interact" },
      { principalId: "a", permission: "full" },
      { principalId: "a", permission: "interact" },
    ]);
    expect(Object.fromEntries(levels)).toEqual({ a: LEVELS.full, b: LEVELS.interact });
    expect(highestLevels([]).size).toBe(0);
  });

  it("a shared app or search engine is managed by the -full-all permission or by its creator only", () => {
    const none = expandPermissions([]);
    const apps = expandPermissions(["app-full-all"]);
    expect(mayManageShared(none, "u1", "u1", "app-full-all")).toBe(true);
    expect(mayManageShared(none, "u1", "u2", "app-full-all")).toBe(false);
    expect(mayManageShared(apps, "u1", "u2", "app-full-all")).toBe(true);
    // app-full-all says nothing about search engines; admin implies both.
    expect(mayManageShared(apps, "u1", "u2", "search-engine-full-all")).toBe(false);
    expect(mayManageShared(expandPermissions(["admin"]), "u1", "u2", "search-engine-full-all")).toBe(true);
    // A creator that no longer exists (null) is nobody: a caller without a user id does not match it.
    expect(mayManageShared(none, undefined, null, "app-full-all")).toBe(false);
    expect(mayManageShared(none, "u1", null, "app-full-all")).toBe(false);
  });

  it("a grant is within one's own rights only when every permission it implies is held", () => {
    const held = expandPermissions(["integration-full-all", "user-manage"]);
    expect(missingGrants(held, ["integration-interact-all", "integration-create"])).toEqual([]);
    expect(missingGrants(held, ["user-manage"])).toEqual([]);
    // admin implies what the holder lacks: every missing one is named, sorted.
    expect(missingGrants(held, ["admin"])).toEqual(["admin", "app-create", "app-full-all", "search-engine-create", "search-engine-full-all"]);
    expect(missingGrants(held, ["app-full-all"])).toEqual(["app-create", "app-full-all"]);
    expect(missingGrants(expandPermissions(["admin"]), GLOBAL_PERMISSIONS)).toEqual([]);
    expect(missingGrants(held, [])).toEqual([]);
  });
});

