import { describe, expect, it } from "vitest";
import { parse, UsageError } from "../../src/cli/common.js";

/** CLI argument parsing (src/cli/common.ts): random ids may start with "-". */
describe("parse", () => {
  const options = { json: { type: "boolean" } } as const;

  it("an id with a leading dash is a positional, before or after the flags", () => {
    expect(parse("test", ["-Xb3kq9", "--json"], options, true)).toMatchObject({ positionals: ["-Xb3kq9"], values: { json: true } });
    expect(parse("test", ["--json", "-h2Z_x"], options, true)).toMatchObject({ positionals: ["-h2Z_x"], values: { json: true } });
  });

  it("a cluster of the command's own short flags is still flags; -- ends the options", () => {
    expect(parse("test", ["-h"], options, true)).toMatchObject({ positionals: [], values: { help: true } });
    expect(parse("test", ["--", "--json"], options, true)).toMatchObject({ positionals: ["--json"], values: {} });
  });

  it("unknown long options stay wrong usage; without positionals nothing is reinterpreted", () => {
    expect(() => parse("test", ["id", "--verbose"], options, true)).toThrow(UsageError);
    expect(() => parse("export", ["-Xb3kq9"], options)).toThrow(/Unknown option '-X'/);
  });
});
