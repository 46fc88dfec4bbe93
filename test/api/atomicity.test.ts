import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { withFailingTrigger as withFailingTriggerOn } from "../helpers/failing-trigger.js";
import { errorOf, startPatchbay, type TestServer } from "../helpers/patchbay.js";

/**
 * A failure injected after the first insert of a create/update (a database trigger that aborts a later
 * statement) must leave the database exactly as before: no orphan app, integration, secret or permission.
 */
let s: TestServer;
let sonarr: ArrEmulator;
const KEY = "atomic-key";

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay(), startArr({ app: "Sonarr", apiKey: KEY })]);
});
afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
});

const TABLES = ["apps", "integrations", "integrationSecrets", "integrationUserPermissions", "integrationGroupPermissions", "searchEngines"] as const;
async function snapshot() {
  const out: Record<string, unknown[]> = {};
  for (const t of TABLES) out[t] = await s.deps.db.selectFrom(t).selectAll().execute();
  for (const rows of Object.values(out)) rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return out;
}

const withFailingTrigger = (table: string, event: "INSERT" | "UPDATE", fn: () => Promise<void>) => withFailingTriggerOn(s.deps, table, event, fn);

describe("atomic writes", () => {
  for (const [table, label] of [
    ["integration_secrets", "secrets"],
    ["integration_user_permissions", "the creator's permission"],
    ["search_engines", "the search engine (last write)"],
  ] as const) {
    it(`create: a failure while writing ${label} leaves no trace`, async () => {
      const before = await snapshot();
      await withFailingTrigger(table, "INSERT", async () => {
        const err = await errorOf(
          s.admin.integration.create.mutate({
            name: "Atomic",
            kind: "sonarr",
            url: sonarr.url,
            secrets: [{ kind: "apiKey", value: KEY }],
            app: { name: "Atomic app", iconUrl: "https://example.com/a.svg" },
            attemptSearchEngineCreation: true,
          }),
        );
        expect(err.code).toBe("INTERNAL_SERVER_ERROR");
        expect(err.message).toBe("Internal server error");
      });
      expect(await snapshot()).toEqual(before);
    });
  }

  it("update: a failure while rewriting a secret leaves the integration as it was", async () => {
    const { id } = (await s.admin.integration.create.mutate({ name: "Before", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] })) as {
      id: string;
    };
    // Make the stored secret differ so the update has to rewrite it.
    const other = await startArr({ app: "Sonarr", apiKey: "other-key" });
    const before = await snapshot();
    try {
      await withFailingTrigger("integration_secrets", "UPDATE", async () => {
        const err = await errorOf(s.admin.integration.update.mutate({ id, name: "After", url: other.url, secrets: [{ kind: "apiKey", value: "other-key" }] }));
        expect(err.code).toBe("INTERNAL_SERVER_ERROR");
      });
    } finally {
      await other.close();
    }
    expect(await snapshot()).toEqual(before);
    expect((await s.admin.integration.byId.query({ id })).name).toBe("Before");
  });

  it("permissions: a failure in the middle of a replace-all keeps the old rows", async () => {
    const { id } = (await s.admin.integration.create.mutate({ name: "Perms", kind: "sonarr", url: sonarr.url, secrets: [{ kind: "apiKey", value: KEY }] })) as {
      id: string;
    };
    const u = await s.user();
    const before = await snapshot();
    await withFailingTrigger("integration_user_permissions", "INSERT", async () => {
      const err = await errorOf(s.admin.integration.saveUserIntegrationPermissions.mutate({ entityId: id, permissions: [{ principalId: u.id, permission: "use" }] }));
      expect(err.code).toBe("INTERNAL_SERVER_ERROR");
    });
    expect(await snapshot()).toEqual(before);
  });

  it("the injected failure is logged for the operator, without secrets", () => {
    const line = s.logs.find((l) => l.includes("procedure failed"));
    expect(line).toContain("injected failure");
    expect(s.logs.join("\n")).not.toContain(KEY);
  });
});
