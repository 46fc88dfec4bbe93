import { z } from "zod";
import { call, parse } from "../../engine/kit.js";
import type { HttpRequest, HttpResponse } from "../../engine/http.js";
import type { TestContext } from "../../engine/types.js";

/**
 * AdGuard Home's control API, shared by the connection test and the dnsHole capability: Basic auth on every
 * call (internal/home/auth*.go, v0.107.0 to v0.107.79). A wrong credential is a bare 401 with an empty body; after
 * 5 failed attempts the address is blocked for 15 minutes, and even the right credentials get 401.
 */
export const HINT = "Use the username and password you log in to AdGuard Home's web interface with (the users section of AdGuardHome.yaml).";
const REJECTED = `AdGuard Home rejected the username or password. ${HINT} After 5 failed attempts AdGuard Home also refuses the right credentials from this address for 15 minutes.`;

/** A control call whose answer is not JSON (actions answer "OK" or nothing). */
export function send(ctx: TestContext, req: HttpRequest & { path: string }): Promise<HttpResponse> {
  const basic = Buffer.from(`${ctx.secrets.username ?? ""}:${ctx.secrets.password ?? ""}`).toString("base64");
  return call(ctx, { ...req, headers: { ...req.headers, authorization: `Basic ${basic}` } }, { credentialsMessage: REJECTED });
}

export async function control<S extends z.ZodType>(ctx: TestContext, req: HttpRequest & { path: string }, schema: S): Promise<z.output<S>> {
  return parse(ctx, await send(ctx, req), schema);
}

/**
 * GET /control/status (openapi/openapi.yaml ServerStatus; internal/home/control.go statusResponse): `version`,
 * `protection_enabled` in every release; `protection_disabled_duration` (milliseconds left of a protection pause)
 * since v0.107.28, the release that added POST /control/protection (CHANGELOG.md, v0.107.28).
 */
export const Status = z.object({
  version: z.string(),
  protection_enabled: z.boolean(),
  protection_disabled_duration: z.number().nonnegative().optional(),
});
export type Status = z.output<typeof Status>;

export const status = (ctx: TestContext) => control(ctx, { path: "/control/status" }, Status);
