import { z } from "zod";
import { strictEncode } from "../../engine/http.js";
import { call, getJson, statusFailure } from "../../engine/kit.js";
import { tryJson } from "../../engine/probe.js";
import { TestFailure, type Capability, type TestContext } from "../../engine/types.js";
import { adminSession, configuredIndexers } from "./api.js";

// IndexerApiController.cs `Indexers` (v0.24.2440) → src/Jackett.Common/Models/DTO/Indexer.cs: `id`, `name`,
// `configured`, `last_error` (set by a failed test, cleared by a passing one: IndexerApiController `Test`).
const AdminIndexer = z.object({ id: z.string(), name: z.string().nullish(), configured: z.boolean(), last_error: z.string().nullish() });
// A failed test throws; src/Jackett.Server/Middleware/CustomExceptionHandler.cs answers 500 {result:"error", error}.
const TestError = z.object({ result: z.literal("error"), error: z.string().nullish() });

/** Indexers tested at once: each test is a live search on the tracker (IndexerManagerService.TestIndexer). */
const PARALLEL_TESTS = 4;

const NO_ADMIN =
  "Jackett has an admin password, so its indexer status and tests need the admin login; the API key only opens searches. Test the indexers in Jackett's dashboard, or remove the admin password in Jackett if it is only reachable from trusted networks.";

/** The admin API's view of the configured indexers, or undefined when it does not open with the key alone. */
async function adminIndexers(ctx: TestContext) {
  if (!(await adminSession(ctx))) return undefined;
  const all = await getJson(ctx, { path: "/api/v2.0/indexers", query: { configured: "true" } }, z.array(AdminIndexer));
  return all.filter((i) => i.configured);
}

export const indexers: Capability<"indexers"> = {
  async list(ctx) {
    // The key is proven first: without an admin password the admin API answers anyone.
    const configured = await configuredIndexers(ctx);
    const admin = await adminIndexers(ctx);
    return {
      indexers: configured.map((ix) => {
        if (!admin) return { id: ix.id, name: ix.title, enabled: true, healthy: true, message: `Health unknown: ${NO_ADMIN}` };
        const error = admin.find((a) => a.id === ix.id)?.last_error;
        return { id: ix.id, name: ix.title, enabled: true, healthy: !error, ...(error ? { message: error } : {}) };
      }),
    };
  },
  async testAll(ctx) {
    const configured = await configuredIndexers(ctx);
    if (!(await adminSession(ctx))) throw new TestFailure("INVALID_CREDENTIALS", NO_ADMIN);
    let failed = 0;
    for (let i = 0; i < configured.length; i += PARALLEL_TESTS) {
      const batch = configured.slice(i, i + PARALLEL_TESTS);
      const outcomes = await Promise.all(batch.map((ix) => testOne(ctx, ix.id)));
      failed += outcomes.filter((ok) => !ok).length;
    }
    return { failed };
  },
};

/** POST /api/v2.0/indexers/{id}/test: 204 passed, 500 with Jackett's error JSON failed; anything else is an error. */
async function testOne(ctx: TestContext, id: string): Promise<boolean> {
  const res = await call(ctx, { path: `/api/v2.0/indexers/${strictEncode(id)}/test`, method: "POST" }, { expect: [204, 500] });
  if (res.status === 204) return true;
  const body = TestError.safeParse(tryJson(res.text));
  if (!body.success) throw statusFailure(ctx, res);
  return false;
}
