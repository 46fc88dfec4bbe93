import { username } from "../services/inputs.js";
import { newPassword, openInstance, out, parse, required, valid, validPassword, type Command } from "./common.js";

export const userResetPassword: Command = {
  name: "user reset-password",
  summary: "set a user's password and end their sessions",
  help: `Usage: patchbay user reset-password --username NAME [--password PW | --password-file FILE]

Sets a new password for the user and signs them out everywhere (every session ends; API keys stay valid and
are revoked in the web UI or with auth.revokeApiKey). Without --password/--password-file the password is
asked for (twice) on a terminal, or read from the first line of standard input.

Options:
  --username NAME        the user whose password is reset
  --password PW          at least 10 characters, not the username, not a common password
  --password-file FILE   the password is the file's content (one trailing newline ignored)`,
  async run(argv) {
    const { values } = parse("user reset-password", argv, { username: { type: "string" }, password: { type: "string" }, "password-file": { type: "string" } });
    const name = valid("user reset-password", username, required("user reset-password", values.username, "--username"), "--username");
    const pw = validPassword("user reset-password", await newPassword("user reset-password", values), name);
    const { resetPassword } = await import("../services/operator.js");
    const deps = await openInstance({ mustExist: true });
    try {
      const { sessionsEnded } = await resetPassword(deps, name, pw);
      out(`password of "${name}" changed; ${sessionsEnded} session(s) ended`);
      return 0;
    } finally {
      await deps.close();
    }
  },
};
