import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ConfigError, FILE_VARIABLES, loadConfig } from "../../src/config.js";

/** `<NAME>_FILE` variables: Docker/Podman secrets are files under /run/secrets, never plain environment. */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pb-config-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
function secretFile(name: string, content: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  return file;
}

describe("secrets from *_FILE variables", () => {
  it("reads DATABASE_URL, REDIS_URL, the admin password and previous keys from files, without the trailing newline", () => {
    const previous = "cd".repeat(32);
    const c = loadConfig({
      DATABASE_URL_FILE: secretFile("db", "postgres://u:p%40ss@db:5432/patchbay\n"),
      REDIS_URL_FILE: secretFile("redis", "redis://:pw@redis:6379\r\n"),
      PATCHBAY_ADMIN_USERNAME: "owner",
      PATCHBAY_ADMIN_PASSWORD_FILE: secretFile("pw", "  spaces kept  \n"),
      SECRET_ENCRYPTION_PREVIOUS_KEYS_FILE: secretFile("prev", `${previous}\n`),
    });
    expect(c.databaseUrl).toBe("postgres://u:p%40ss@db:5432/patchbay");
    expect(c.redisUrl).toBe("redis://:pw@redis:6379");
    expect(c.adminPassword).toBe("  spaces kept  ");
    expect(c.previousKeysHex).toEqual([previous]);
  });

  it("plain variables still work, and an empty *_FILE counts as unset", () => {
    const c = loadConfig({ DATABASE_URL: "postgres://x@y/z", DATABASE_URL_FILE: "", PATCHBAY_ADMIN_USERNAME: "a", PATCHBAY_ADMIN_PASSWORD: "b" });
    expect(c.databaseUrl).toBe("postgres://x@y/z");
    expect(c.adminPassword).toBe("b");
    expect(loadConfig({}).databaseUrl).toBeUndefined();
  });

  it.each(FILE_VARIABLES)("%s and %s_FILE both set is refused, naming both", (name) => {
    const file = secretFile(`both-${name}`, "value");
    expect(() => loadConfig({ [name]: "value", [`${name}_FILE`]: file })).toThrow(new ConfigError(`${name} and ${name}_FILE are both set; set one of them`));
  });

  it("a missing or empty file is a clear start-up error naming the variable and the file, never its content", () => {
    const missing = path.join(dir, "nope");
    expect(() => loadConfig({ DATABASE_URL_FILE: missing })).toThrow(new ConfigError(`DATABASE_URL_FILE: cannot read ${missing} (no such file)`));
    const empty = secretFile("empty", "\n");
    expect(() => loadConfig({ REDIS_URL_FILE: empty })).toThrow(new ConfigError(`REDIS_URL_FILE: ${empty} is empty`));
    expect(() => loadConfig({ DATABASE_URL_FILE: dir })).toThrow(/^DATABASE_URL_FILE: cannot read .* \(EISDIR/);
  });

  it("the admin password from a file still has to come with a username", () => {
    expect(() => loadConfig({ PATCHBAY_ADMIN_PASSWORD_FILE: secretFile("pw2", "secret") })).toThrow(/must be set together/);
  });
});
