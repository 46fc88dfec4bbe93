import { fieldIssues } from "../api";
import { toast } from "../ui";

/**
 * Puts a failed call's field issues (the server's structured `data.issues`) at their form fields; an error
 * that concerns no field of this form (also) becomes a toast. `field` maps a server path ("secrets[0].value") to the
 * form's field name, or null when the form has no such field.
 */
export function showFieldErrors(
  form: { setErrors(errors: Record<string, string>): void },
  e: { message: string },
  field: (path: string) => string | null = (p) => p,
): void {
  const errors: Record<string, string> = {};
  let elsewhere = false;
  for (const [path, message] of Object.entries(fieldIssues(e))) {
    const name = field(path);
    if (name) errors[name] = errors[name] ? `${errors[name]}; ${message}` : message;
    else elsewhere = true;
  }
  if (Object.keys(errors).length) form.setErrors(errors);
  if (elsewhere || !Object.keys(errors).length) toast.fail(e.message);
}
