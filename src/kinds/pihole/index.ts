import { z } from "zod";
import { check, parse } from "../../engine/kit.js";
import { defineKind, type TestContext } from "../../engine/types.js";
import { connect, V5_HINT, V6_HINT, v5, v6 } from "./api.js";
import { dnsHole } from "./capabilities.js";

/**
 * Pi-hole, v5 and v6 in one kind (how each generation is reached: ./api.ts).
 *
 * v6 sessions are scarce, so the test logs in, reads the version with the session id and **always** ends the
 * session again. v5 answers a wrong token with HTTP 200 and `[]`, which has to become INVALID_CREDENTIALS.
 * No secret is allowed (`[]`): a Pi-hole without a password answers everything; one that has a password then
 * yields INVALID_CREDENTIALS with a hint where to find the credential.
 */
export default defineKind({
  kind: "pihole",
  name: "Pi-hole",
  categories: ["dnsHole"],
  secretOptions: [["apiKey"], []],
  defaultPort: 80,
  iconUrl: "https://cdn.jsdelivr.net/gh/homarr-labs/dashboard-icons/svg/pi-hole.svg",
  docsUrl: "https://docs.pi-hole.net/api/",
  minVersion: "5.0",
  credentialHint: `${V6_HINT} ${V5_HINT}`,
  async test(ctx) {
    const conn = await connect(ctx);
    if (conn.generation === 5) return testV5(ctx);
    if (conn.openVersion) return { version: readV6Version(ctx, parse(ctx, conn.openVersion, V6Version)) };
    return { version: readV6Version(ctx, await v6(ctx, conn, { path: "/api/info/version" }, V6Version)) };
  },
  capabilities: { dnsHole },
});

// GET /api/info/version (pi-hole/FTL src/api/docs/content/specs/info.yaml, v6.0): version.{core,web,ftl}.local.version.
const Local = z.object({ local: z.object({ version: z.string().nullish() }).nullish() }).nullish();
const V6Version = z.object({ version: z.object({ core: Local, ftl: Local }) });
const Numeric = z.string().regex(/^v?\d+(\.\d+)*/);

function readV6Version(ctx: TestContext, body: z.output<typeof V6Version>): string {
  return check(ctx, body.version.core?.local?.version ?? body.version.ftl?.local?.version, Numeric).replace(/^v/i, "");
}

// api.php?status (pi-hole/web api_FTL.php at v5.21; AdminLTE api.php at v5.0, where it needed no token) → {status}.
const V5Status = z.object({ status: z.enum(["enabled", "disabled"]) });
// api.php?versions needs no token (AdminLTE/web api.php, v5.0 to v5.21) → core_current "v5.18.3" (or a branch name).
const V5Versions = z.object({ core_current: z.string().nullish() });

async function testV5(ctx: TestContext): Promise<{ version?: string }> {
  await v5(ctx, { status: "" }, V5Status);
  const { core_current: core } = await v5(ctx, { versions: "" }, V5Versions);
  // Development branches report a branch name instead of a version; the connection is proven anyway.
  return core && Numeric.safeParse(core).success ? { version: core.replace(/^v/i, "") } : {};
}
