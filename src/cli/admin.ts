import { username } from "../services/inputs.js";
import { newPassword, openInstance, out, parse, required, valid, validPassword, type Command } from "./common.js";

export const adminCreate: Command = {
  name: "admin create",
  summary: "create an admin user",
  help: `Usage: patchbay admin create --username NAME [--password PW | --password-file FILE]

Creates a user with the global permission "admin" (a member of the group holding it, "admins" by default).
On an instance without users this is the first admin, instead of the web onboarding.
Without --password/--password-file the password is asked for (twice) on a terminal, or read from the first
line of standard input. Prefer --password-file or the prompt: a --password is visible in the process list.

Options:
  --username NAME        letters, digits and . _ @ - (max 64)
  --password PW          at least 10 characters, not the username, not a common password
  --password-file FILE   the password is the file's content (one trailing newline ignored)`,
  async run(argv) {
    const { values } = parse("admin create", argv, { username: { type: "string" }, password: { type: "string" }, "password-file": { type: "string" } });
    const name = valid("admin create", username, required("admin create", values.username, "--username"), "--username");
    const pw = validPassword("admin create", await newPassword("admin create", values), name);
    const { createAdmin } = await import("../services/operator.js");
    const deps = await openInstance({ mustExist: false });
    try {
      const { group } = await createAdmin(deps, name, pw);
      out(`created admin "${name}" (member of the group "${group}")`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};
