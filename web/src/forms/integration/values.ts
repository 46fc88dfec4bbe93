import type { UseFormReturnType } from "@mantine/form";
import type { Outputs, SecretKind, TestError } from "../../api";

export type Values = {
  name: string;
  url: string;
  /** Index of the chosen secret option of the kind, as a string (SegmentedControl). */
  option: string;
  secrets: Record<SecretKind, string>;
  /** "" no app, "new" a new app (adding only), else an app id. */
  app: string;
  newAppName: string;
  newAppHref: string;
  createSearchEngine: boolean;
};
export type Form = UseFormReturnType<Values>;
export type Outcome = { ok: true; version?: string } | { ok: false; error: TestError } | null;
export type Detail = Outputs["integration"]["byId"];
export type SentSecret = { kind: SecretKind; value: string | null };

export const emptySecrets = (): Record<SecretKind, string> => ({ apiKey: "", username: "", password: "", token: "", url: "" });

/**
 * The form field a server issue path concerns: "secrets[1].value" → the input of the secret sent at index 1,
 * "app.href" → the new app's link. null: no field of this form (shown as a toast).
 */
export function formField(path: string, sent: readonly SentSecret[], option: readonly SecretKind[]): string | null {
  if (path === "name" || path === "url") return path;
  const secret = /^secrets\[(\d+)\]/.exec(path);
  if (secret) {
    const k = sent[Number(secret[1])]?.kind ?? option.at(-1);
    return k ? `secrets.${k}` : null;
  }
  if (path === "secrets") return option.length ? `secrets.${option.at(-1)}` : null;
  if (path === "app.name") return "newAppName";
  if (path === "app.href") return "newAppHref";
  if (path === "app" || path.startsWith("app.") || path === "appId") return "app";
  return null;
}
