import { createRequire } from "node:module";

/**
 * The one password policy (web onboarding, user.create, user.changePassword, PATCHBAY_ADMIN_PASSWORD, the
 * CLI): at least 10 characters, not the username (case-insensitive), not one of the 10,000 most common
 * passwords.
 *
 * The list: the first 10,000 entries of the frequency-ranked `passwords-common` dictionary of the npm package
 * @zxcvbn-ts/language-common (MIT, https://github.com/zxcvbn-ts/zxcvbn, packages/languages/common). It is
 * loaded on the first check (≈ 90 ms, a few MB), not at start: most processes never set a password.
 */
export const PASSWORD_MIN_LENGTH = 10;
export const COMMON_PASSWORD_COUNT = 10_000;

let common: Set<string> | undefined;
function commonPasswords(): Set<string> {
  if (!common) {
    const require = createRequire(import.meta.url);
    const { dictionary } = require("@zxcvbn-ts/language-common") as { dictionary: Record<string, string[]> };
    common = new Set(dictionary["passwords-common"]!.slice(0, COMMON_PASSWORD_COUNT).map((p) => p.toLowerCase()));
    // The package's other dictionaries (names, words, keyboards: ≈ 10 MB once loaded) are not needed: drop the
    // module from require's cache, so only this set stays in memory after the first password was set.
    for (const id of Object.keys(require.cache)) if (id.includes("@zxcvbn-ts")) delete require.cache[id];
  }
  return common;
}

export function isCommonPassword(password: string): boolean {
  return commonPasswords().has(password.toLowerCase());
}

/** What is wrong with a new password, as the end of a sentence ("the password …"), or undefined when it is fine. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (username !== undefined && password.toLowerCase() === username.trim().toLowerCase()) return "must not be the username";
  if (isCommonPassword(password)) return "is one of the 10,000 most common passwords; choose another";
  return undefined;
}
