import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { authRouter, groupRouter, onboardingRouter, userRouter } from "./routers/identity.js";
import { integrationRouter } from "./routers/integration.js";
import { appsRouter, certificateRouter, searchEngineRouter } from "./routers/resources.js";
import { capabilityRouters } from "./routers/capabilities.js";
import { dashboardRouter } from "./routers/dashboard.js";
import { notificationRouter } from "./routers/notification.js";
import { auditRouter } from "./routers/audit.js";
import { router } from "./trpc.js";

export const appRouter = router({
  integration: integrationRouter,
  auth: authRouter,
  onboarding: onboardingRouter,
  user: userRouter,
  group: groupRouter,
  app: appsRouter,
  searchEngine: searchEngineRouter,
  certificate: certificateRouter,
  notification: notificationRouter,
  audit: auditRouter,
  ...capabilityRouters,
  dashboard: dashboardRouter,
});

export type AppRouter = typeof appRouter;
/** Every procedure's input and output types, for the typed client (src/client.ts) without it naming @trpc/server. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
