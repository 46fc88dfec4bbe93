import { describe, expect, it } from "vitest";
import { isModuleNotFound, notInstalled, packageDir } from "../../src/server/optional.js";

/** Optional packages (src/server/optional.ts): found when installed, a clear instruction when not. */
describe("optional packages", () => {
  it("finds an installed package and answers undefined for a missing one", () => {
    expect(packageDir("swagger-ui-dist")).toMatch(/node_modules\/swagger-ui-dist$/);
    expect(packageDir("patchbay-no-such-package")).toBeUndefined();
  });

  it("tells how to install the version this Patchbay is tested with", () => {
    expect(notInstalled("Swagger UI", "swagger-ui-dist")).toMatch(/^Swagger UI is not installed .*npm install --no-save swagger-ui-dist@\d+\.\d+\.\d+/);
  });

  it("tells a missing package apart from a broken one", async () => {
    const missing = await import("patchbay-no-such-package" as string).catch((e: unknown) => e);
    expect(isModuleNotFound(missing)).toBe(true);
    expect(isModuleNotFound(new SyntaxError("Unexpected token"))).toBe(false);
  });
});
