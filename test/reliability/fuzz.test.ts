import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appRouter } from "../../src/api/root.js";
import { GLOBAL_PERMISSIONS } from "../../src/auth/permissions.js";
import { EVERYONE_GROUP_ID } from "../../src/db/schema.js";
import { kindIds } from "../../src/kinds/index.js";
import { CATEGORIES, SECRET_KINDS } from "../../src/engine/types.js";
import { startPatchbay, type TestServer } from "../helpers/patchbay.js";
import { startArr, type ArrEmulator } from "../../src/kinds/arr-family/emulator.js";
import { selfSignedCert } from "../../src/kinds/testing/tls.js";
import { dbFingerprint, RECORD_TABLES } from "./helpers.js";

/**
 * Property-based fuzzing of every tRPC procedure over raw HTTP against a real server with an admin API key.
 * Inputs are well-formed-but-wrong (known ids, near-valid URLs, secret sets of the wrong kind), malformed
 * types, huge strings, unicode, nulls and nested junk, plus broken envelopes (non-JSON bodies, the wrong
 * HTTP method, junk superjson meta, batch junk). Properties, checked after every single request:
 *   - the answer is never a 5xx (the one documented exception: searchInIntegration's 502/504 with the
 *     upstream error attached, which the pool's live emulator should never trigger anyway);
 *   - a rejected request (4xx), a query, and a create/update/test whose connection test failed write
 *     nothing: the fingerprint of every stored row is unchanged;
 *   - at the end the server still answers /api/health with 200.
 * RELIABILITY_FUZZ_RUNS sets the total (default 10,000); RELIABILITY_SEED replays a run.
 */
const TOTAL_RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS || 10_000);
const SEED = Number(process.env.RELIABILITY_SEED || Date.now() % 2 ** 31);
const KEY = "fuzz-sonarr-key";

type ProcType = "query" | "mutation";
const procedures = Object.entries((appRouter as any)._def.procedures as Record<string, any>).map(([path, p]) => ({
  path,
  type: p._def.type as ProcType,
  inputs: (p._def.inputs ?? []) as any[],
}));

/** Field names of a zod input schema (objects, unions of objects); "[array]" for an array input. */
function fieldsOf(schema: any): string[] {
  const def = schema?._zod?.def;
  if (!def) return [];
  if (def.type === "object") return Object.keys(def.shape);
  if (def.type === "union") return [...new Set<string>(def.options.flatMap((o: any) => fieldsOf(o)))];
  if (def.type === "array") return ["[array]"];
  if (def.type === "pipe") return fieldsOf(def.in);
  return [];
}

let s: TestServer;
let sonarr: ArrEmulator;
let adminKey: string;
/** Ids of real rows the fuzzer may hit (never the admin, the admins group or the key in use). */
const pool = { integration: [] as string[], user: [] as string[], group: [] as string[], app: [] as string[], engine: [] as string[], cert: [] as string[], apiKey: [] as string[] };
const stats = { requests: 0, byStatus: new Map<number, number>(), byProcedure: new Map<string, number>(), writes: 0, upstream5xx: 0 };
const failures: string[] = [];

beforeAll(async () => {
  [s, sonarr] = await Promise.all([startPatchbay({ testTimeoutMs: 1_000 }), startArr({ app: "Sonarr", apiKey: KEY })]);
  adminKey = (await s.admin.auth.createApiKey.mutate({ name: "fuzzer" })).token;
  for (let i = 0; i < 4; i++) {
    const r = (await s.admin.integration.create.mutate({
      name: `Pool ${i}`,
      kind: "sonarr",
      url: sonarr.url,
      secrets: [{ kind: "apiKey", value: KEY }],
      attemptSearchEngineCreation: true,
    })) as { id: string; searchEngineId?: string };
    pool.integration.push(r.id);
    if (r.searchEngineId) pool.engine.push(r.searchEngineId);
  }
  for (let i = 0; i < 3; i++) pool.user.push((await s.user([], `pooluser${i}`)).id);
  for (let i = 0; i < 2; i++) pool.group.push((await s.admin.group.create.mutate({ name: `pool-group-${i}` })).id);
  pool.group.push(EVERYONE_GROUP_ID);
  pool.app.push((await s.admin.app.create.mutate({ name: "Pool app", iconUrl: "/icons/app.svg" })).id);
  const cert = selfSignedCert({ cn: "fuzz.lan", san: "DNS:fuzz.lan" });
  pool.cert.push((await s.admin.certificate.trust.mutate({ pem: cert.cert })).id);
  pool.apiKey.push((await s.admin.auth.createApiKey.mutate({ name: "sacrificial" })).id);
}, 120_000);

afterAll(async () => {
  await Promise.all([s?.close(), sonarr?.close()]);
});

// ---------- arbitraries ----------

const huge = fc.constantFrom("x".repeat(5_000), "é".repeat(70_000), "\u{1F600}".repeat(2_000), "a".repeat(300_000));
const unicode = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.constantFrom("\u0000", "\uFEFF", "\u202E", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "名前", "   ", "%_!", "' OR 1=1 --", "<script>", "../../etc/passwd", "\uD800", "__proto__", "constructor"),
);
const junkLeaf = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 1e308),
  unicode,
  fc.string({ maxLength: 20 }),
);
const junk: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: junkLeaf },
  { weight: 1, arbitrary: huge },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.array(junkLeaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), junkLeaf, { maxKeys: 5 }) },
  // Deep nesting.
  { weight: 1, arbitrary: fc.integer({ min: 50, max: 2_000 }).map((n) => JSON.parse("[".repeat(n) + "]".repeat(n))) },
);

const poolId = (k: keyof typeof pool) => fc.constantFrom(...pool[k]);
const anyPoolId = () => fc.oneof(...(Object.keys(pool) as (keyof typeof pool)[]).filter((k) => pool[k].length).map(poolId));
const idLike = () =>
  fc.oneof(
    { weight: 4, arbitrary: anyPoolId() },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom("", " ", "x".repeat(65), "null", "undefined", "0") },
    { weight: 1, arbitrary: unicode },
  );
const urlLike = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant(sonarr.url) },
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        "http://127.0.0.1:1",
        "http://does-not-exist.invalid",
        "ftp://x",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://u:p@127.0.0.1:1",
        "http://127.0.0.1:1/?q=1",
        "http://127.0.0.1:1/#f",
        "http://[::1",
        "http://",
        "HTTP://127.0.0.1:1/A/B/",
        "data:text/html,x",
        "/relative",
      ),
    },
    { weight: 1, arbitrary: fc.webPath().map((p) => sonarr.url + p) },
    { weight: 1, arbitrary: unicode },
    { weight: 1, arbitrary: huge.map((h) => "http://h/" + h) },
  );
const secretKindLike = () => fc.oneof(fc.constantFrom(...SECRET_KINDS), fc.constantFrom("APIKEY", "sshKey", ""), junkLeaf);
const secretsLike = () =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant([{ kind: "apiKey", value: KEY }]) },
    { weight: 1, arbitrary: fc.constant([{ kind: "apiKey", value: null }]) },
    {
      weight: 4,
      arbitrary: fc.array(
        fc.record(
          { kind: secretKindLike(), value: fc.oneof(fc.constant(KEY), fc.constant(null), fc.string({ maxLength: 10 }), huge, junkLeaf) },
          { requiredKeys: [] },
        ),
        { maxLength: 10 },
      ),
    },
    { weight: 1, arbitrary: junk },
  );
const permissionsLike = () =>
  fc.oneof(
    fc.array(fc.oneof(fc.constantFrom(...GLOBAL_PERMISSIONS), junkLeaf), { maxLength: 25 }),
    fc.array(
      fc.record({ principalId: idLike(), permission: fc.oneof(fc.constantFrom("use", "interact", "full", "owner"), junkLeaf) }, { requiredKeys: [] }),
      { maxLength: 12 },
    ),
    fc.array(fc.record({ principalId: idLike(), permission: fc.constant("use") }), { minLength: 1000, maxLength: 1002 }),
    junk,
  );
const stringish = (max: number) => fc.oneof(fc.string({ maxLength: max }), unicode, fc.constant("x".repeat(max + 1)), fc.constant(""), junkLeaf);

const PEM_JUNK = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----";

/** Plausible values for each field name used by the routers; unknown names get generic junk. */
function fieldValue(field: string): fc.Arbitrary<unknown> {
  const v: fc.Arbitrary<unknown> = (() => {
    switch (field) {
      case "id":
      case "entityId":
      case "groupId":
      case "userId":
      case "integrationId":
      case "principalId":
      case "appId":
        return idLike();
      case "name":
        return fc.oneof(fc.constant("Fuzzed"), stringish(127));
      case "kind":
        return fc.oneof(fc.constantFrom(...kindIds), fc.constantFrom("Sonarr", "nosuchkind", ""), junkLeaf);
      case "url":
      case "iconUrl":
      case "href":
      case "pingUrl":
        return fc.oneof(urlLike(), fc.constant("/icons/x.svg"));
      case "urlTemplate":
        return fc.oneof(fc.constant("https://search.example/?q=%s"), urlLike());
      case "secrets":
        return secretsLike();
      case "permissions":
        return permissionsLike();
      case "query":
        return fc.oneof(stringish(127), fc.constant("Pool"), fc.constant("expanse"), fc.constant("%"));
      case "limit":
        return fc.oneof(fc.integer({ min: -5, max: 150 }), fc.double(), junkLeaf);
      case "category":
        return fc.oneof(fc.constantFrom(...CATEGORIES), junkLeaf);
      case "username":
        return fc.oneof(fc.constantFrom("admin", "pooluser0", "fuzzuser"), stringish(64));
      case "password":
      case "newPassword":
      case "currentPassword":
        return fc.oneof(fc.constant("fuzz-password-1"), stringish(256));
      case "setupToken":
        return stringish(200);
      case "email":
        return fc.oneof(fc.emailAddress(), stringish(255));
      case "pem":
        return fc.oneof(fc.constant(PEM_JUNK), stringish(100), huge);
      case "short":
        return fc.oneof(fc.stringMatching(/^[a-z0-9_-]{1,32}$/), stringish(32));
      case "description":
        return stringish(512);
      case "app":
        return fc.oneof(
          fc.record({ id: idLike() }),
          fc.record({ name: stringish(20), iconUrl: fc.oneof(fc.constant("/icons/a.svg"), urlLike()) }, { requiredKeys: [] }),
          junk,
        );
      case "attemptSearchEngineCreation":
        return fc.oneof(fc.boolean(), junkLeaf);
      default:
        return junk;
    }
  })();
  // Any field may also be replaced by junk of any type.
  return fc.oneof({ weight: 5, arbitrary: v }, { weight: 1, arbitrary: junk });
}

type Envelope =
  | { kind: "normal"; input: unknown }
  | { kind: "raw-body"; body: string; contentType: string }
  | { kind: "wrong-method"; input: unknown }
  | { kind: "meta"; input: unknown; meta: unknown }
  | { kind: "batch"; inputs: unknown[] }
  | { kind: "raw-query"; query: string };

function inputArb(fields: string[]): fc.Arbitrary<unknown> {
  if (!fields.length) return fc.oneof(fc.constant(undefined), junk);
  if (fields[0] === "[array]") return fc.oneof(fc.array(idLike(), { maxLength: 120 }), junk);
  const structured = fc
    .tuple(
      fc.record(Object.fromEntries(fields.map((f) => [f, fieldValue(f)])), { requiredKeys: [] }),
      fc.option(fc.dictionary(fc.string({ maxLength: 6 }), junkLeaf, { maxKeys: 2 }), { nil: undefined }),
    )
    .map(([obj, extra]) => (extra ? { ...extra, ...obj } : obj));
  return fc.oneof({ weight: 8, arbitrary: structured }, { weight: 2, arbitrary: junk });
}

function envelopeArb(fields: string[]): fc.Arbitrary<Envelope> {
  const input = inputArb(fields);
  return fc.oneof(
    { weight: 14, arbitrary: input.map((i) => ({ kind: "normal" as const, input: i })) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("raw-body" as const),
        body: fc.oneof(fc.string(), fc.constantFrom("{", "null", "[]", '{"json":', "\u0000\u0001", '{"json":{"a":1}}garbage')),
        contentType: fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"),
      }),
    },
    { weight: 1, arbitrary: input.map((i) => ({ kind: "wrong-method" as const, input: i })) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("meta" as const),
        input,
        meta: fc.oneof(
          junk,
          fc.record({ values: fc.oneof(junk, fc.constantFrom(["Date"], ["undefined"], ["bigint"], ["set"], ["map"], ["regexp"], ["Error"], [["custom", "x"]])) }),
          fc.constantFrom(
            { values: { id: ["Date"] } },
            { values: { id: ["bigint"] } },
            { values: { secrets: ["set"] } },
            { values: { "secrets.0": ["map"] } },
            { values: ["Date"] },
            { values: { "__proto__.polluted": ["undefined"] } },
            { values: { "constructor.prototype.polluted": ["undefined"] } },
            { referentialEqualities: { id: ["name"] } },
            { referentialEqualities: ["secrets", ["name"]] },
            { values: { limit: [["class", "Nope"]] } },
          ),
        ),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("batch" as const), inputs: fc.array(input, { minLength: 1, maxLength: 3 }) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant("raw-query" as const),
        query: fc.oneof(fc.string(), fc.constantFrom("input=%7B", "input=%E0%A4%A", "input=null", "input=" + "%5B".repeat(3000), "batch=1&input=x")),
      }),
    },
  );
}

async function send(path: string, type: ProcType, env: Envelope): Promise<{ status: number; text: string }> {
  const base = `${s.url}/api/trpc/${path}`;
  const headers: Record<string, string> = { ApiKey: adminKey };
  const enc = (v: unknown) => (v === undefined ? "" : JSON.stringify(v));
  let res: Response;
  const get = (qs: string) => fetch(`${base}${qs}`, { headers });
  const post = (body: string | undefined, contentType = "application/json", url = base) =>
    fetch(url, { method: "POST", headers: { ...headers, "content-type": contentType }, body });
  switch (env.kind) {
    case "normal":
    case "wrong-method": {
      const asQuery = (type === "query") === (env.kind === "normal");
      res = asQuery
        ? await get(env.input === undefined ? "" : `?input=${encodeURIComponent(enc({ json: env.input }))}`)
        : await post(env.input === undefined ? undefined : enc({ json: env.input }));
      break;
    }
    case "meta": {
      const payload = enc({ json: env.input, meta: env.meta });
      res = type === "query" ? await get(`?input=${encodeURIComponent(payload)}`) : await post(payload);
      break;
    }
    case "batch": {
      const payload = enc(Object.fromEntries(env.inputs.map((i, n) => [n, { json: i }])));
      const names = env.inputs.map(() => path).join(",");
      const url = `${s.url}/api/trpc/${names}?batch=1`;
      res = type === "query" ? await fetch(`${url}&input=${encodeURIComponent(payload)}`, { headers }) : await post(payload, "application/json", url);
      break;
    }
    case "raw-body":
      res = await post(env.body, env.contentType);
      break;
    case "raw-query":
      res = await get(`?${env.query}`);
      break;
  }
  return { status: res.status, text: await res.text() };
}

/** A 200 whose body says the write did not happen: {error} from create/update, {ok:false} from testConnection. */
function refusedWrite(path: string, text: string): boolean {
  if (!/^integration\.(create|update|testConnection)$/.test(path)) return false;
  try {
    const body = JSON.parse(text);
    const items = Array.isArray(body) ? body : [body];
    return items.every((b) => {
      const data = b?.result?.data?.json;
      return data && (("error" in data && data.error) || data.ok === false);
    });
  } catch {
    return false;
  }
}

describe("fuzzing every procedure over HTTP", () => {
  it(`${TOTAL_RUNS} generated inputs: never a 5xx, rejected requests write nothing, the server stays up`, async () => {
    console.log(`fuzz seed ${SEED} (RELIABILITY_SEED=${SEED} replays it), ${procedures.length} procedures, ${TOTAL_RUNS} runs`);
    expect(procedures.length).toBeGreaterThan(40);
    const perProcedure = Math.ceil(TOTAL_RUNS / procedures.length);
    const started = Date.now();
    let before = await dbFingerprint(s.deps.db, RECORD_TABLES);
    for (const [index, proc] of procedures.entries()) {
      const fields = fieldsOf(proc.inputs[0]);
      await fc.assert(
        fc.asyncProperty(envelopeArb(fields), async (env) => {
          const { status, text } = await send(proc.path, proc.type, env);
          stats.requests++;
          stats.byStatus.set(status, (stats.byStatus.get(status) ?? 0) + 1);
          stats.byProcedure.set(proc.path, (stats.byProcedure.get(proc.path) ?? 0) + 1);
          if (status >= 500) {
            const documented = proc.path === "integration.searchInIntegration" && (status === 502 || status === 504) && text.includes('"upstream"');
            if (documented) stats.upstream5xx++;
            else {
              failures.push(`${proc.path} ${status}: ${JSON.stringify(env).slice(0, 500)} → ${text.slice(0, 300)}`);
              return false;
            }
          }
          const after = await dbFingerprint(s.deps.db, RECORD_TABLES);
          const mustNotWrite = status >= 400 || proc.type === "query" || (status === 200 && refusedWrite(proc.path, text));
          if (mustNotWrite && after.hash !== before.hash) {
            failures.push(`${proc.path} ${status} wrote: ${JSON.stringify(before.counts)} → ${JSON.stringify(after.counts)}; ${JSON.stringify(env).slice(0, 500)}`);
            before = after;
            return false;
          }
          if (after.hash !== before.hash) stats.writes++;
          before = after;
          return true;
        }),
        { numRuns: perProcedure, seed: SEED + index, endOnFailure: true },
      );
    }
    const health = await fetch(`${s.url}/api/health`);
    const elapsed = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz: ${stats.requests} requests in ${elapsed} s, statuses ${JSON.stringify(Object.fromEntries([...stats.byStatus].sort()))}, ` +
        `${stats.writes} accepted writes, ${stats.upstream5xx} documented upstream 502/504`,
    );
    expect(failures).toEqual([]);
    expect(stats.requests).toBeGreaterThanOrEqual(TOTAL_RUNS);
    for (const p of procedures) expect(stats.byProcedure.get(p.path) ?? 0, p.path).toBeGreaterThanOrEqual(perProcedure);
    expect(health.status).toBe(200);
    // The fuzzer could not pollute prototypes through superjson meta.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Nothing logged an internal failure.
    expect(s.logs.filter((l) => l.includes("procedure failed"))).toEqual([]);
  }, 600_000);
});
