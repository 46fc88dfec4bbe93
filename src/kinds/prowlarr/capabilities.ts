import { z } from "zod";
import type { Capability } from "../../engine/types.js";
import { arrCall, arrGet } from "../arr-family/adapter.js";
import { parse } from "../../engine/kit.js";

const P = { name: "Prowlarr" };

// Prowlarr/Prowlarr src/Prowlarr.Api.V1/Indexers/IndexerResource.cs (v1.0.0.2171, v2.3.5.5327): a provider
// resource (`id`, `name`) with `enable`.
const Indexer = z.object({ id: z.number(), name: z.string().nullish(), enable: z.boolean() });
// src/Prowlarr.Api.V1/Indexers/IndexerStatusResource.cs: `indexerId`, `disabledTill` (1.0.0); 2.x adds
// `mostRecentFailure`, `initialFailure`. An indexer is listed here only while it has failures.
const IndexerStatus = z.object({ indexerId: z.number(), disabledTill: z.string().nullish(), mostRecentFailure: z.string().nullish() });
// src/Prowlarr.Api.V1/Health/HealthResource.cs: `source` (the check's class name), `type` ("ok", "notice",
// "warning", "error"), `message`. Indexer checks (IndexerStatusCheck, IndexerLongTermStatusCheck,
// IndexerNoDefinitionCheck, IndexerVIPCheck…) name the indexers after a colon, comma-separated.
const Health = z.object({ source: z.string().nullish(), type: z.string(), message: z.string().nullish() });
// src/Prowlarr.Api.V1/ProviderTestAllResult.cs: `{id, isValid, validationFailures[]}`.
const TestAllResult = z.object({ id: z.number(), isValid: z.boolean(), validationFailures: z.array(z.object({ errorMessage: z.string().nullish() })).nullish() });

/** The indexer names a health message lists after its colon ("Indexers unavailable due to failures: A, B"). */
function namedIn(message: string): string[] {
  const i = message.indexOf(":");
  return i < 0 ? [] : message.slice(i + 1).split(",").map((s) => s.trim()).filter(Boolean);
}

export const indexers: Capability<"indexers"> = {
  async list(ctx) {
    const [list, statuses, health] = await Promise.all([
      arrGet(ctx, P, "/api/v1/indexer", z.array(Indexer)),
      arrGet(ctx, P, "/api/v1/indexerstatus", z.array(IndexerStatus)),
      arrGet(ctx, P, "/api/v1/health", z.array(Health)),
    ]);
    const now = Date.now();
    const problems = health.filter((h) => (h.type === "warning" || h.type === "error") && h.source?.startsWith("Indexer") && h.message);
    return {
      indexers: list.map((ix) => {
        const name = ix.name ?? `Indexer ${ix.id}`;
        const status = statuses.find((s) => s.indexerId === ix.id);
        const disabledTill = status?.disabledTill ? new Date(status.disabledTill) : undefined;
        const backingOff = disabledTill !== undefined && disabledTill.getTime() > now;
        const check = problems.find((h) => namedIn(h.message!).includes(name));
        const message = !ix.enable
          ? "Disabled in Prowlarr."
          : backingOff
            ? `Disabled after failures until ${disabledTill!.toISOString()}.`
            : (check?.message ?? undefined);
        return { id: String(ix.id), name, enabled: ix.enable, healthy: ix.enable && !backingOff && !check, ...(message ? { message } : {}) };
      }),
    };
  },
  async testAll(ctx) {
    // POST /api/v1/indexer/testall tests every enabled indexer and answers 200 with the results when all
    // passed, 400 with the same list when any failed (src/Prowlarr.Api.V1/ProviderControllerBase.cs `TestAll`,
    // v1.0.0.2171 and v2.3.5.5327). Both are a completed test; anything else is an error.
    const res = await arrCall(ctx, P, { path: "/api/v1/indexer/testall", method: "POST" }, { expect: [200, 400] });
    const list = parse(ctx, res, z.array(TestAllResult));
    return { failed: list.filter((r) => !r.isValid).length };
  },
};
