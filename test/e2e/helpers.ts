import type { Locator, Page } from "playwright-core";
import { delay } from "./browser.js";

/** The error text Mantine shows under a labelled input (its aria-describedby "…-error" element), in a page or a dialog. */
export async function fieldError(page: Page | Locator, label: string): Promise<string> {
  return page.getByRole("textbox", { name: label, exact: true }).evaluate((el) => {
    const ids = (el.getAttribute("aria-describedby") ?? "").split(/\s+/).filter((id) => id.endsWith("-error"));
    return ids.map((id) => document.getElementById(id)?.textContent ?? "").join(" ").trim();
  });
}

/** Polls until fn returns a truthy value (the UI updates asynchronously). */
export async function eventually<T>(fn: () => Promise<T>, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  let last: unknown;
  while (Date.now() - started < timeoutMs) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await delay(100);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/** Log in over HTTP (shares nothing with the browser) and return a cookie for API checks. */
export async function apiCookie(url: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${url}/api/trpc/auth.login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ json: { username, password } }),
  });
  if (!res.ok) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

/** A toast with this text appeared. */
export async function toastWith(page: Page, text: string | RegExp) {
  await page.locator(".mantine-Notification-root").filter({ hasText: text }).first().waitFor();
}
