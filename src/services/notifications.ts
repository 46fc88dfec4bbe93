import crypto from "node:crypto";
import { badRequest, notFound } from "./errors.js";
import { newId } from "../auth/tokens.js";
import { DecryptError, type Keyring } from "../crypto/keyring.js";
import { type Db } from "../db/index.js";
import { HttpSession } from "../engine/http.js";
import { redact } from "../engine/redact.js";
import { TestFailure } from "../engine/types.js";
import type { Caller, Deps } from "./deps.js";
import { auditedTransaction, recordAudit } from "./audit.js";

/**
 * Notification targets and deliveries (README, Health and notifications). Targets are admin-configured
 * endpoints; an event goes to every target subscribed to it, each delivery is a row that records its
 * attempts (retried with backoff) and outcome. Bodies carry names, states and messages — never a secret: the
 * health messages are already redacted by the connection-test runner, and the target's own secret only
 * signs (webhook) or authenticates (ntfy, Gotify) in a header.
 */

export const TARGET_TYPES = ["webhook", "ntfy", "gotify", "discord", "slack"] as const;
export type TargetType = (typeof TARGET_TYPES)[number];
export const NOTIFICATION_EVENTS = ["integration.failing", "integration.recovered", "certificate.expiring", "audit"] as const;
export type NotificationEvent = (typeof NOTIFICATION_EVENTS)[number];
/** What a target gets when it was created without `events`: everything but the (chatty) audit stream. */
export const DEFAULT_EVENTS: NotificationEvent[] = ["integration.failing", "integration.recovered", "certificate.expiring"];

export interface EventPayload {
  integration?: { id: string; name: string; kind: string };
  health?: Record<string, unknown>;
  audit?: Record<string, unknown>;
}

/** Retries after a failed attempt: 1 s, 3 s, 9 s (four attempts in all). */
const RETRY_DELAYS_MS = [1_000, 3_000, 9_000];
/** Deadline of one attempt. */
const ATTEMPT_TIMEOUT_MS = 10_000;

const urlAad = (id: string) => `notification-target:${id}:url`;
const secretAad = (id: string) => `notification-target:${id}:secret`;

const missing = () => notFound("Notification target not found");

// ---- per-instance state: deliveries in flight, so shutdown can end their retries ----

interface State {
  inflight: Set<Promise<unknown>>;
  stop: AbortController;
}
const states = new WeakMap<Deps, State>();
function stateOf(deps: Deps): State {
  let s = states.get(deps);
  if (!s) states.set(deps, (s = { inflight: new Set(), stop: new AbortController() }));
  return s;
}

/** Ends pending retries and waits (briefly) for attempts in flight; called on shutdown. */
export async function closeNotifications(deps: Deps, waitMs = 2_000): Promise<void> {
  const s = states.get(deps);
  if (!s) return;
  s.stop.abort();
  await Promise.race([Promise.allSettled([...s.inflight]), new Promise((r) => setTimeout(r, waitMs).unref())]);
  states.delete(deps);
}

/** Resolves when every delivery started so far has finished (tests, the bench). */
export async function settleNotifications(deps: Deps): Promise<void> {
  const s = states.get(deps);
  while (s && s.inflight.size) await Promise.allSettled([...s.inflight]);
}

// ---- validation shared by create and update ----

function checkTarget(type: TargetType, url: string, secret: string | null | undefined): void {
  if (type === "gotify" && !secret) throw badRequest("secret: a Gotify target needs the application token as its secret");
  if ((type === "discord" || type === "slack") && secret) {
    throw badRequest(`secret: ${type} targets take no secret (the webhook URL carries the token)`);
  }
  const u = new URL(url);
  if ((type === "ntfy" || type === "discord" || type === "slack") && u.pathname.replace(/\/+$/, "") === "") {
    throw badRequest(`url: a ${type} target needs the full ${type === "ntfy" ? "topic URL (https://ntfy.sh/mytopic)" : "webhook URL"}`);
  }
}

function checkEvents(events: string[]): NotificationEvent[] {
  const out = [...new Set(events)];
  const bad = out.findIndex((e) => !(NOTIFICATION_EVENTS as readonly string[]).includes(e));
  if (bad >= 0) throw badRequest(`events[${bad}]: unknown event "${out[bad]}"; one of ${NOTIFICATION_EVENTS.join(", ")}`);
  return out as NotificationEvent[];
}

/**
 * The URL as an admin sees it in a list: Discord and Slack webhook URLs and ntfy topic URLs are
 * credentials themselves (whoever knows them can post), so their last path segment is shortened.
 */
export function maskedUrl(type: TargetType, url: string): string {
  const u = new URL(url);
  u.username = "";
  u.password = "";
  u.search = "";
  u.hash = "";
  if (type === "discord" || type === "slack" || type === "ntfy") {
    const parts = u.pathname.split("/");
    const last = parts.length - 1;
    if (parts[last]) parts[last] = parts[last]!.slice(0, 3) + "…";
    return `${u.origin}${parts.join("/")}`;
  }
  return u.toString();
}

// ---- key rotation (`patchbay secrets rotate-key`, src/services/key-rotation.ts) ----

/** Re-seals every target's URL and secret under the keyring's current key (compare-and-set per row). */
export async function rotateTargetSecrets(db: Db, keyring: Keyring): Promise<{ reencrypted: number; failed: number }> {
  let reencrypted = 0;
  let failed = 0;
  const prefix = `v1.${keyring.current.id}.`;
  for (const r of await db.selectFrom("notificationTargets").select(["id", "url", "secret"]).execute()) {
    if (r.url.startsWith(prefix) && (!r.secret || r.secret.startsWith(prefix))) continue;
    try {
      const url = keyring.seal(keyring.open(r.url, urlAad(r.id)), urlAad(r.id));
      const secret = r.secret ? keyring.seal(keyring.open(r.secret, secretAad(r.id)), secretAad(r.id)) : null;
      let q = db.updateTable("notificationTargets").set({ url, secret }).where("id", "=", r.id).where("url", "=", r.url);
      q = r.secret ? q.where("secret", "=", r.secret) : q.where("secret", "is", null);
      await q.execute();
      reencrypted++;
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      failed++;
    }
  }
  return { reencrypted, failed };
}

/** Targets whose URL or secret does not open with the keyring (never their values). */
export async function unreadableTargets(db: Db, keyring: Keyring): Promise<{ targetId: string; reason: string }[]> {
  const bad: { targetId: string; reason: string }[] = [];
  for (const r of await db.selectFrom("notificationTargets").select(["id", "url", "secret"]).execute()) {
    try {
      keyring.open(r.url, urlAad(r.id));
      if (r.secret) keyring.open(r.secret, secretAad(r.id));
    } catch (e) {
      if (!(e instanceof DecryptError)) throw e;
      bad.push({ targetId: r.id, reason: e.message });
    }
  }
  return bad;
}

// ---- the router's operations ----

export interface TargetInput {
  name: string;
  type: TargetType;
  url: string;
  secret?: string | null;
  events?: string[];
}

export async function createTarget(deps: Deps, caller: Caller, input: TargetInput): Promise<{ id: string }> {
  checkTarget(input.type, input.url, input.secret);
  const events = checkEvents(input.events ?? DEFAULT_EVENTS);
  const id = newId();
  const now = Date.now();
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
      .insertInto("notificationTargets")
      .values({
        id,
        name: input.name,
        type: input.type,
        url: deps.keyring.seal(input.url, urlAad(id)),
        secret: input.secret ? deps.keyring.seal(input.secret, secretAad(id)) : null,
        events: events.join(","),
        createdAt: now,
        updatedAt: now,
      })
      .execute();
    // Never the URL (a Discord/Slack webhook URL is itself a credential) nor the secret.
    await record({ action: "notification.create", target: { type: "notificationTarget", id, name: input.name }, changes: { name: input.name, type: input.type, events, secret: Boolean(input.secret) } });
  });
  return { id };
}

interface StoredTarget {
  id: string;
  name: string;
  type: TargetType;
  url: string;
  secret: string | null;
  events: NotificationEvent[];
}

function openTarget(deps: Deps, row: { id: string; name: string; type: string; url: string; secret: string | null; events: string }): StoredTarget {
  return {
    id: row.id,
    name: row.name,
    type: row.type as TargetType,
    url: deps.keyring.open(row.url, urlAad(row.id)),
    secret: row.secret ? deps.keyring.open(row.secret, secretAad(row.id)) : null,
    events: (row.events ? row.events.split(",") : []) as NotificationEvent[],
  };
}

async function loadTarget(deps: Deps, id: string): Promise<StoredTarget> {
  const row = await deps.db.selectFrom("notificationTargets").selectAll().where("id", "=", id).executeTakeFirst();
  if (!row) throw missing();
  return openTarget(deps, row);
}

/** Every target with its last deliveries; the secret only as `hasSecret`. */
export async function listTargets(deps: Deps) {
  const rows = await deps.db.selectFrom("notificationTargets").selectAll().orderBy("name").orderBy("id").execute();
  const ids = rows.map((r) => r.id);
  const deliveries = ids.length
    ? await deps.db.selectFrom("notificationDeliveries").selectAll().where("targetId", "in", ids).orderBy("createdAt", "desc").orderBy("id").execute()
    : [];
  const byTarget = new Map<string, typeof deliveries>();
  for (const d of deliveries) {
    const list = byTarget.get(d.targetId) ?? [];
    if (list.length < 20) list.push(d);
    byTarget.set(d.targetId, list);
  }
  return rows.map((r) => {
    const t = openTarget(deps, r);
    return {
      id: t.id,
      name: t.name,
      type: t.type,
      url: maskedUrl(t.type, t.url),
      hasSecret: t.secret !== null,
      events: t.events,
      createdAt: new Date(Number(r.createdAt)),
      updatedAt: new Date(Number(r.updatedAt)),
      deliveries: (byTarget.get(t.id) ?? []).map(deliveryView),
    };
  });
}

function deliveryView(d: { id: string; event: string; createdAt: number; status: string; attempts: number; responseStatus: number | null; error: string | null; finishedAt: number | null }) {
  return {
    id: d.id,
    event: d.event,
    at: new Date(Number(d.createdAt)),
    status: d.status as "pending" | "delivered" | "failed",
    attempts: Number(d.attempts),
    responseStatus: d.responseStatus === null ? null : Number(d.responseStatus),
    error: d.error,
    finishedAt: d.finishedAt === null ? null : new Date(Number(d.finishedAt)),
  };
}

export interface TargetUpdate {
  id: string;
  name?: string;
  type?: TargetType;
  /** Omitted: keep the stored URL. */
  url?: string;
  /** Omitted: keep; null: remove; a string: replace. */
  secret?: string | null;
  events?: string[];
}

export async function updateTarget(deps: Deps, caller: Caller, input: TargetUpdate): Promise<void> {
  const cur = await loadTarget(deps, input.id);
  const type = input.type ?? cur.type;
  const url = input.url ?? cur.url;
  const secret = input.secret === undefined ? cur.secret : input.secret;
  checkTarget(type, url, secret);
  const events = input.events ? checkEvents(input.events) : cur.events;
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    const res = await trx
      .updateTable("notificationTargets")
      .set({
        name: input.name ?? cur.name,
        type,
        url: deps.keyring.seal(url, urlAad(cur.id)),
        secret: secret ? deps.keyring.seal(secret, secretAad(cur.id)) : null,
        events: events.join(","),
        updatedAt: Date.now(),
      })
      .where("id", "=", cur.id)
      .executeTakeFirst();
    if (!Number(res.numUpdatedRows)) throw missing();
    await record({
      action: "notification.update",
      target: { type: "notificationTarget", id: cur.id, name: input.name ?? cur.name },
      changes: { name: input.name ?? cur.name, type, events, urlChanged: url !== cur.url, secretChanged: secret !== cur.secret },
    });
  });
}

export async function deleteTarget(deps: Deps, caller: Caller, id: string): Promise<void> {
  // Explicit, not only the cascade: one transaction on every dialect.
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    const target = await trx.selectFrom("notificationTargets").select(["name", "type"]).where("id", "=", id).executeTakeFirst();
    await trx.deleteFrom("notificationDeliveries").where("targetId", "=", id).execute();
    const res = await trx.deleteFrom("notificationTargets").where("id", "=", id).executeTakeFirst();
    if (!Number(res.numDeletedRows) || !target) throw missing();
    await record({ action: "notification.delete", target: { type: "notificationTarget", id, name: target.name }, changes: { type: target.type } });
  });
}

/** "Send test": one delivery of a `test` event, waited for, so the admin sees the outcome right away. */
export async function testTarget(deps: Deps, caller: Caller, id: string) {
  const target = await loadTarget(deps, id);
  const deliveryId = await deliver(deps, target, "test", {}, { retries: false });
  const row = await deps.db.selectFrom("notificationDeliveries").selectAll().where("id", "=", deliveryId).executeTakeFirstOrThrow();
  const view = deliveryView(row);
  await recordAudit(deps.db, caller.actor, {
    action: "notification.test",
    target: { type: "notificationTarget", id, name: target.name },
    changes: { status: row.status, responseStatus: row.responseStatus },
    outcome: row.status === "delivered" ? "ok" : "error",
  });
  return view;
}

// ---- events ----

/**
 * Sends an event to every target subscribed to it; returns once the deliveries are recorded and started
 * (they finish, with their retries, in the background). Call after the change it reports has committed.
 * The whole send is tracked from this call on (target lookup included), so settleNotifications and shutdown
 * also wait for an event whose targets are still being looked up. src/server/app.ts sends every audit entry.
 */
export function notifyEvent(deps: Deps, event: NotificationEvent, payload: EventPayload): Promise<void> {
  const s = stateOf(deps);
  const p = startDeliveries(deps, s, event, payload);
  s.inflight.add(p);
  void p.finally(() => s.inflight.delete(p));
  return p;
}

async function startDeliveries(deps: Deps, s: State, event: NotificationEvent, payload: EventPayload): Promise<void> {
  try {
    const rows = await deps.db.selectFrom("notificationTargets").selectAll().execute();
    const targets = rows.map((r) => openTarget(deps, r)).filter((t) => t.events.includes(event));
    for (const t of targets) {
      const p = deliver(deps, t, event, payload, { retries: true }).catch((err: unknown) => {
        deps.log.warn({ err: err instanceof Error ? err.message : String(err), targetId: t.id, event }, "notification delivery failed");
      });
      s.inflight.add(p);
      void p.finally(() => s.inflight.delete(p));
    }
  } catch (err) {
    // A notification must never break what it reports on.
    deps.log.warn({ err: err instanceof Error ? err.message : String(err), event }, "could not send notifications");
  }
}

/** Records one delivery and runs its attempts; answers the delivery id once it is delivered or given up. */
async function deliver(deps: Deps, target: StoredTarget, event: string, payload: EventPayload, opts: { retries: boolean }): Promise<string> {
  const id = newId();
  const now = Date.now();
  await deps.db.insertInto("notificationDeliveries").values({ id, targetId: target.id, event, createdAt: now, status: "pending", attempts: 0, responseStatus: null, error: null, finishedAt: null }).execute();
  const request = buildRequest(target, event, new Date(now), payload);
  const stop = stateOf(deps).stop.signal;
  const delays = opts.retries ? RETRY_DELAYS_MS : [];
  for (let attempt = 1; ; attempt++) {
    const r = await send(deps, target, request);
    const done = r.ok || attempt > delays.length || stop.aborted;
    await deps.db
      .updateTable("notificationDeliveries")
      .set({ attempts: attempt, responseStatus: r.status ?? null, error: r.ok ? null : r.error, status: r.ok ? "delivered" : done ? "failed" : "pending", finishedAt: done ? Date.now() : null })
      .where("id", "=", id)
      .execute();
    if (done) return id;
    await sleep(delays[attempt - 1]!, stop);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

async function send(deps: Deps, target: StoredTarget, req: OutboundRequest): Promise<{ ok: boolean; status?: number; error: string }> {
  const url = new URL(req.url);
  const http = new HttpSession({ baseUrl: url, trust: deps.trust, signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
  // Error texts name the address; the token-bearing parts of it (and the secret) are cut out before storing.
  const hide = [target.secret ?? "", url.pathname.length > 1 ? url.pathname : "", url.search.slice(1)].filter((v) => v.length >= 4);
  try {
    const res = await http.request({ url, method: "POST", headers: req.headers, body: req.body, maxBytes: 64 * 1024 });
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: "" };
    return { ok: false, status: res.status, error: `The target answered HTTP ${res.status}` };
  } catch (err) {
    const message = err instanceof TestFailure ? err.message : "The request failed";
    return { ok: false, error: redact(message, hide).slice(0, 500) };
  }
}

// ---- bodies, one per target type ----

interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** One line a person reads (chat and push targets). */
export function summary(event: string, payload: EventPayload): { title: string; text: string } {
  const i = payload.integration;
  const h = payload.health as { message?: string; warning?: string; code?: string } | undefined;
  const name = i ? `${i.name} (${i.kind})` : "An integration";
  switch (event) {
    case "integration.failing":
      return { title: `${i?.name ?? "Integration"} is failing`, text: `${name} is failing${h?.code ? ` (${h.code})` : ""}: ${h?.message ?? "the connection test failed"}` };
    case "integration.recovered":
      return { title: `${i?.name ?? "Integration"} recovered`, text: `${name} works again.` };
    case "certificate.expiring":
      return { title: `Certificate of ${i?.name ?? "an integration"} expires soon`, text: `${name}: ${h?.warning ?? "its HTTPS certificate expires soon"}` };
    case "audit": {
      const a = payload.audit as { action?: string; actor?: { name?: string }; target?: { type?: string; name?: string; id?: string } } | undefined;
      const what = a?.target ? ` ${a.target.type ?? ""} ${a.target.name ?? a.target.id ?? ""}`.trimEnd() : "";
      return { title: "Patchbay audit", text: `${a?.actor?.name ?? "Someone"}: ${a?.action ?? "a change"}${what}` };
    }
    default:
      return { title: "Patchbay test notification", text: "This is a test notification from Patchbay: the target works." };
  }
}

export function buildRequest(target: Pick<StoredTarget, "type" | "url" | "secret">, event: string, at: Date, payload: EventPayload): OutboundRequest {
  const { title, text } = summary(event, payload);
  const json = (value: unknown, headers: Record<string, string> = {}) => ({
    url: target.url,
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(value),
  });
  switch (target.type) {
    case "webhook": {
      // The documented shape (README): {event, at, integration?, health?, audit?}, HMAC-SHA256 of the raw body.
      const body = JSON.stringify({ event, at: at.toISOString(), ...payload });
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (target.secret) headers["x-patchbay-signature"] = `sha256=${crypto.createHmac("sha256", target.secret).update(body).digest("hex")}`;
      return { url: target.url, headers, body };
    }
    case "ntfy": {
      // https://docs.ntfy.sh/publish/ — POST the message as the body to the topic URL; Title, Priority and
      // Tags headers; an access token as "Authorization: Bearer" (#access-tokens). Header values must be
      // ASCII-safe, so the title goes RFC 2047-encoded when it is not (ntfy decodes =?UTF-8?B?…?=).
      const headers: Record<string, string> = {
        "content-type": "text/plain; charset=utf-8",
        title: /^[\x20-\x7e]*$/.test(title) ? title : `=?UTF-8?B?${Buffer.from(title).toString("base64")}?=`,
        priority: event === "integration.failing" ? "high" : "default",
        tags: event === "integration.failing" ? "warning" : event === "integration.recovered" ? "white_check_mark" : event === "certificate.expiring" ? "lock" : "memo",
      };
      if (target.secret) headers.authorization = `Bearer ${target.secret}`;
      return { url: target.url, headers, body: text };
    }
    case "gotify": {
      // https://gotify.net/docs/pushmsg — POST /message with the application token in X-Gotify-Key and a JSON
      // body {title, message, priority} (https://gotify.net/api-docs, createMessage).
      const base = target.url.replace(/\/+$/, "");
      return { ...json({ title, message: text, priority: event === "integration.failing" ? 8 : 5 }, { "x-gotify-key": target.secret ?? "" }), url: `${base}/message` };
    }
    case "discord":
      // https://discord.com/developers/docs/resources/webhook#execute-webhook — {content (≤ 2000 chars),
      // username, allowed_mentions}; allowed_mentions.parse = [] so a name like "@everyone" pings nobody.
      return json({ content: `**${title}**\n${text}`.slice(0, 2000), username: "Patchbay", allowed_mentions: { parse: [] } });
    case "slack":
      // https://api.slack.com/messaging/webhooks — POST {text}; &, < and > are escaped as Slack's formatting
      // reference asks (https://api.slack.com/reference/surfaces/formatting#escaping).
      return json({ text: `*${slackEscape(title)}*\n${slackEscape(text)}` });
  }
}

const slackEscape = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
