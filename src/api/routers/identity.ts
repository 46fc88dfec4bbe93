import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { tokenHash } from "../../auth/tokens.js";
import * as auth from "../../services/auth.js";
import * as groups from "../../services/groups.js";
import * as users from "../../services/users.js";
import { apiKeyCreatedOutput, apiKeyListOutput, sessionListOutput, sessionOutput, voidOutput } from "../outputs.js";
import { futureTimestamp, globalPermission, id, password, username } from "../../services/inputs.js";
import { protectedProcedure, publicProcedure, requirePermission, router } from "../trpc.js";
import { fieldError } from "../../services/errors.js";

export const authRouter = router({
  login: publicProcedure
    .input(z.object({ username: z.string().trim().min(1, "must not be empty").max(64), password: z.string().min(1, "must not be empty").max(256) }))
    .mutation(async ({ ctx, input }) => {
      const { token, user } = await auth.login(ctx.deps, input, ctx.ip);
      ctx.setSessionCookie(token);
      return { user };
    }),
  logout: publicProcedure.mutation(async ({ ctx }) => {
    await auth.logout(ctx.deps, ctx.caller, ctx.sessionToken);
    ctx.setSessionCookie(null);
  }),
  session: publicProcedure
    .meta({ openapi: { method: "GET", path: "/auth/session", tags: ["auth"], summary: "Who the API key acts as, with the expanded global permissions (null without a key)", protect: false } })
    .output(sessionOutput)
    .query(({ ctx }) => auth.sessionView(ctx.caller)),
  createApiKey: protectedProcedure
    .meta({ openapi: { method: "POST", path: "/auth/api-keys", tags: ["auth"], summary: "Create an API key for the caller (the token is shown once)" } })
    .output(apiKeyCreatedOutput)
    .input(
      z.object({
        name: z.string().trim().min(1, "must not be empty").max(64, "must be at most 64 characters"),
        expiresAt: futureTimestamp.nullish().meta({ description: "When the key stops working (ISO 8601 in REST); omitted or null: until revoked" }),
      }),
    )
    .mutation(({ ctx, input }) => auth.createApiKey(ctx.deps, ctx.caller, input)),
  listApiKeys: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/auth/api-keys", tags: ["auth"], summary: "The caller's API keys (never the tokens)" } })
    .output(apiKeyListOutput)
    .query(({ ctx }) => auth.listApiKeys(ctx.deps, ctx.caller)),
  listSessions: protectedProcedure
    .meta({ openapi: { method: "GET", path: "/auth/sessions", tags: ["auth"], summary: "The caller's signed-in sessions (never their tokens); `current` marks the one making the request" } })
    .output(sessionListOutput)
    .query(({ ctx }) => auth.listSessions(ctx.deps, ctx.caller, ctx.sessionToken)),
  revokeSession: protectedProcedure
    .meta({ openapi: { method: "DELETE", path: "/auth/sessions/{id}", tags: ["auth"], summary: "End one of the caller's sessions (signs that browser out)" } })
    .input(z.object({ id }))
    .output(voidOutput)
    .mutation(async ({ ctx, input }) => {
      const { current } = await auth.revokeSession(ctx.deps, ctx.caller, input.id, ctx.sessionToken);
      if (current) ctx.setSessionCookie(null);
    }),
  revokeApiKey: protectedProcedure
    .meta({ openapi: { method: "DELETE", path: "/auth/api-keys/{id}", tags: ["auth"], summary: "Revoke one of the caller's API keys" } })
    .input(z.object({ id }))
    .output(voidOutput)
    .mutation(({ ctx, input }) => auth.revokeApiKey(ctx.deps, ctx.caller, input.id)),
});

/** First-run setup: the one-time token from the server log proves the caller owns the server. */
export const onboardingRouter = router({
  status: publicProcedure.query(async ({ ctx }) => ({ needsSetup: !(await auth.hasUsers(ctx.deps.db)) })),
  createAdmin: publicProcedure
    .input(z.object({ setupToken: z.string().min(1, "must not be empty").max(200), username, password }))
    .mutation(async ({ ctx, input }) => {
      const expected = ctx.deps.setupToken.value;
      if (!expected || (await auth.hasUsers(ctx.deps.db))) throw new TRPCError({ code: "CONFLICT", message: "Setup is already done" });
      if (input.setupToken.trim() !== expected) throw fieldError("FORBIDDEN", "setupToken", "wrong setup token; it is printed in the server log");
      const res = await auth.createFirstAdmin(ctx.deps, input.username, input.password, { ip: ctx.ip });
      ctx.deps.setupToken.value = undefined;
      return res;
    }),
});

export const userRouter = router({
  create: requirePermission("user-manage")
    .input(z.object({ username, password, email: z.email("is not an e-mail address").max(255).nullish(), name: z.string().trim().max(255).nullish() }).strict())
    .mutation(({ ctx, input }) => users.createUser(ctx.deps, ctx.caller, input)),
  list: protectedProcedure.query(({ ctx }) => users.listUsers(ctx.deps, ctx.caller)),
  byId: protectedProcedure.input(z.object({ id })).query(({ ctx, input }) => users.userById(ctx.deps, ctx.caller, input.id)),
  delete: requirePermission("user-manage").input(z.object({ id })).mutation(({ ctx, input }) => users.deleteUser(ctx.deps, ctx.caller, input.id)),
  changePassword: protectedProcedure
    .input(z.object({ userId: id.optional(), currentPassword: z.string().max(256).optional(), newPassword: password }).strict())
    .mutation(({ ctx, input }) => users.changePassword(ctx.deps, ctx.caller, input, ctx.sessionToken ? tokenHash(ctx.sessionToken) : undefined)),
});

const groupName = z.string().trim().min(1, "must not be empty").max(64, "must be at most 64 characters");
const membership = z.object({ groupId: id, userId: id }).strict();

export const groupRouter = router({
  create: requirePermission("user-manage").input(z.object({ name: groupName })).mutation(({ ctx, input }) => groups.createGroup(ctx.deps, ctx.caller, input.name)),
  list: protectedProcedure.query(({ ctx }) => groups.listGroups(ctx.deps)),
  byId: protectedProcedure.input(z.object({ id })).query(({ ctx, input }) => groups.groupById(ctx.deps, input.id)),
  delete: requirePermission("user-manage").input(z.object({ id })).mutation(({ ctx, input }) => groups.deleteGroup(ctx.deps, ctx.caller, input.id)),
  addMember: requirePermission("user-manage")
    .input(membership)
    .mutation(({ ctx, input }) => groups.addMember(ctx.deps, ctx.caller, input.groupId, input.userId)),
  removeMember: requirePermission("user-manage")
    .input(membership)
    .mutation(({ ctx, input }) => groups.removeMember(ctx.deps, ctx.caller, input.groupId, input.userId)),
  savePermissions: requirePermission("user-manage")
    .input(z.object({ groupId: id, permissions: z.array(globalPermission).max(20) }).strict())
    .mutation(({ ctx, input }) => groups.savePermissions(ctx.deps, ctx.caller, input.groupId, input.permissions)),
});
