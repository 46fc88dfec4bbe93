/**
 * The server's password policy (src/auth/password-policy.ts), shown next to every new-password field and
 * checked here as far as a browser can; the list of common passwords is checked by the server, whose answer
 * lands on the same field.
 */
export const PASSWORD_RULE = "At least 10 characters, not the user name, not a common password";

export function passwordError(password: string, username: string): string | null {
  if (password.length < 10) return "At least 10 characters";
  if (username.trim() && password.toLowerCase() === username.trim().toLowerCase()) return "Must not be the user name";
  return null;
}
