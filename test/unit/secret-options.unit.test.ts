import { describe, expect, it } from "vitest";
import { describeSecretOptions, getKind, matchSecretOption } from "../../src/kinds/index.js";

describe("secret-set matching (src/kinds/index.ts)", () => {
  const qb = getKind("qBittorrent")!;
  const sonarr = getKind("sonarr")!;

  it("a set matches an option exactly, in any order", () => {
    expect(matchSecretOption(qb, ["password", "username"])).toEqual(["username", "password"]);
    expect(matchSecretOption(qb, ["apiKey"])).toEqual(["apiKey"]);
    expect(matchSecretOption(sonarr, ["apiKey"])).toEqual(["apiKey"]);
  });

  it("a partial, mixed or extra set matches nothing", () => {
    expect(matchSecretOption(qb, ["username"])).toBeUndefined();
    expect(matchSecretOption(qb, ["username", "password", "apiKey"])).toBeUndefined();
    expect(matchSecretOption(sonarr, [])).toBeUndefined();
    expect(matchSecretOption(sonarr, ["token"])).toBeUndefined();
  });

  it("a kind repeated in the input counts once (the set is compared, not the list)", () => {
    expect(matchSecretOption(sonarr, ["apiKey", "apiKey"])).toEqual(["apiKey"]);
  });

  it("the options are described in words for error messages", () => {
    expect(describeSecretOptions(qb)).toBe("[username, password] or [apiKey]");
  });
});
