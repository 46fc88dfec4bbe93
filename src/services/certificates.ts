import crypto from "node:crypto";
import { fieldError, notFound } from "./errors.js";
import { newId } from "../auth/tokens.js";
import { describeCertificate } from "../engine/http.js";
import type { Db } from "../db/index.js";
import type { Caller, Deps } from "./deps.js";
import { auditedTransaction } from "./audit.js";

const TRUST_VERSION = "trust_version";

/** Loads the trusted certificates into the outbound client's trust store. */
export async function reloadTrust(deps: Deps) {
  const [rows, version] = await Promise.all([
    deps.db.selectFrom("trustedCertificates").select(["pem", "fingerprint256"]).execute(),
    deps.db.selectFrom("settings").select("value").where("key", "=", TRUST_VERSION).executeTakeFirst(),
  ]);
  deps.trust.set(rows);
  deps.trustVersion.value = version?.value ?? "";
}

/**
 * Before outbound calls: one cheap read tells whether another instance (or this one) changed the trusted
 * certificates since they were loaded; only then are they reloaded.
 */
export async function ensureFreshTrust(deps: Deps) {
  const version = await deps.db.selectFrom("settings").select("value").where("key", "=", TRUST_VERSION).executeTakeFirst();
  if ((version?.value ?? "") !== deps.trustVersion.value) await reloadTrust(deps);
}

/**
 * Running instances reload their trust store when this marker changes (ensureFreshTrust). Takes the
 * database or an open transaction (an import bumps it in the transaction that adds the certificates).
 */
export async function bumpTrustVersion(db: Db) {
  const value = crypto.randomBytes(8).toString("hex");
  const updated = await db.updateTable("settings").set({ value }).where("key", "=", TRUST_VERSION).executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 0) {
    // A concurrent first bump may insert the row between our update and insert: then update it.
    await db
      .insertInto("settings")
      .values({ key: TRUST_VERSION, value })
      .execute()
      .catch(() => db.updateTable("settings").set({ value }).where("key", "=", TRUST_VERSION).execute());
  }
}

const certChanges = (c: { subject: string; issuer: string; fingerprint256: string; validTo: string }) => ({
  subject: c.subject.slice(0, 512),
  issuer: c.issuer.slice(0, 512),
  fingerprint256: c.fingerprint256,
  validTo: c.validTo,
});

export async function listCertificates(deps: Deps) {
  const rows = await deps.db.selectFrom("trustedCertificates").selectAll().orderBy("subject").execute();
  return rows.map((r) => ({ id: r.id, subject: r.subject, issuer: r.issuer, validTo: r.validTo, fingerprint256: r.fingerprint256, createdAt: new Date(Number(r.createdAt)) }));
}

/** Trusting the same certificate twice keeps one row (keyed by its SHA-256 fingerprint). */
export async function trustCertificate(deps: Deps, caller: Caller, pem: string) {
  let cert: crypto.X509Certificate;
  try {
    cert = new crypto.X509Certificate(pem);
  } catch {
    throw fieldError("BAD_REQUEST", "pem", "not a PEM-encoded X.509 certificate");
  }
  const info = describeCertificate(cert);
  const existing = await deps.db.selectFrom("trustedCertificates").select("id").where("fingerprint256", "=", info.fingerprint256).executeTakeFirst();
  if (existing) return { id: existing.id, fingerprint256: info.fingerprint256 };
  const id = newId();
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    await trx
      .insertInto("trustedCertificates")
      .values({ id, fingerprint256: info.fingerprint256, subject: info.subject.slice(0, 1024), issuer: info.issuer.slice(0, 1024), validTo: info.validTo, pem: info.pem, createdAt: Date.now() })
      .execute();
    await record({ action: "certificate.trust", target: { type: "certificate", id, name: info.subject.slice(0, 255) }, changes: certChanges(info) });
  });
  await bumpTrustVersion(deps.db);
  await reloadTrust(deps);
  return { id, fingerprint256: info.fingerprint256 };
}

export async function removeCertificate(deps: Deps, caller: Caller, id: string) {
  await auditedTransaction(deps.db, caller.actor, async (trx, record) => {
    const cert = await trx.selectFrom("trustedCertificates").select(["subject", "issuer", "fingerprint256", "validTo"]).where("id", "=", id).executeTakeFirst();
    if (!cert) throw notFound("Certificate not found");
    await trx.deleteFrom("trustedCertificates").where("id", "=", id).execute();
    await record({ action: "certificate.remove", target: { type: "certificate", id, name: cert.subject.slice(0, 255) }, changes: certChanges(cert) });
  });
  await bumpTrustVersion(deps.db);
  await reloadTrust(deps);
}
