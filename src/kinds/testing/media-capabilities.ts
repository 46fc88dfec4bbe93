import { TrustStore } from "../../engine/http.js";
import { withContext } from "../../engine/runner.js";
import type { KindDefinition, Secrets, TestContext } from "../../engine/types.js";
import { getKind } from "../index.js";

/** Runs one capability function of a kind the way the capability service does (one deadline, error envelope). */
export function runCapability<T>(kind: string, url: string, secrets: Secrets, fn: (ctx: TestContext, def: KindDefinition) => Promise<T>, timeoutMs = 5_000) {
  const def = getKind(kind);
  if (!def) throw new Error(`no kind ${kind}`);
  return withContext(def, url, secrets, { trust: new TrustStore(), timeoutMs }, (ctx) => fn(ctx, def));
}
