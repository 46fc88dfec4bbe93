import type { Transaction } from "kysely";
import { notFound } from "./errors.js";
import { newId } from "../auth/tokens.js";
import type { Database } from "../db/schema.js";
import { auditedTransaction } from "./audit.js";
import { requireCreatorOr } from "./access.js";
import type { Caller, Deps } from "./deps.js";

export interface AppInput {
  name: string;
  description?: string | null;
  iconUrl: string;
  href?: string | null;
  pingUrl?: string | null;
}

const columns = ["id", "name", "description", "iconUrl", "href", "pingUrl"] as const;
const missing = () => notFound("App not found");

export const listApps = (deps: Deps) => deps.db.selectFrom("apps").select(columns).orderBy("name").orderBy("id").execute();

export async function appById(deps: Deps, id: string) {
  const row = await deps.db.selectFrom("apps").select(columns).where("id", "=", id).executeTakeFirst();
  if (!row) throw missing();
  return row;
}

/** The app row itself, inside the caller's transaction (createApp; provisioning links a new app in the same one). */
export async function insertApp(trx: Transaction<Database>, createdBy: string, input: AppInput): Promise<string> {
  const id = newId();
  await trx
    .insertInto("apps")
    .values({
      id,
      name: input.name,
      description: input.description ?? null,
      iconUrl: input.iconUrl,
      href: input.href ?? null,
      pingUrl: input.pingUrl ?? null,
      createdBy,
      createdAt: Date.now(),
    })
    .execute();
  return id;
}

export async function createApp(deps: Deps, caller: Caller, input: AppInput) {
  const id = await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    const id = await insertApp(trx, caller.user!.id, input);
    await record({ action: "app.create", target: { type: "app", id, name: input.name }, changes: { name: input.name } });
    return id;
  });
  return { id };
}

/** Apps are shared: changing one needs app-full-all, or having created it. */
async function requireManage(deps: Deps, caller: Caller, id: string) {
  const row = await deps.db.selectFrom("apps").select(["id", "name", "createdBy"]).where("id", "=", id).executeTakeFirst();
  if (!row) throw missing();
  requireCreatorOr(caller, row.createdBy, "app-full-all");
  return row;
}

export async function updateApp(deps: Deps, caller: Caller, input: { id: string } & AppInput) {
  const row = await requireManage(deps, caller, input.id);
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
      .updateTable("apps")
      .set({ name: input.name, description: input.description ?? null, iconUrl: input.iconUrl, href: input.href ?? null, pingUrl: input.pingUrl ?? null })
      .where("id", "=", input.id)
      .execute();
    await record({ action: "app.update", target: { type: "app", id: input.id, name: input.name }, changes: { name: { from: row.name, to: input.name } } });
  });
}

export async function deleteApp(deps: Deps, caller: Caller, id: string) {
  const row = await requireManage(deps, caller, id);
  // Integrations linked to the app keep existing; the link is cleared (ON DELETE SET NULL, done explicitly).
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx.updateTable("integrations").set({ appId: null }).where("appId", "=", id).execute();
    await trx.deleteFrom("apps").where("id", "=", id).execute();
    await record({ action: "app.delete", target: { type: "app", id, name: row.name } });
  });
}
