import path from "node:path";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/** The web UI: `npm run build:web` (or `npm start`, which builds when web/ changed) writes web/dist. */
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: {
    outDir: process.env.PATCHBAY_WEB_OUT_DIR ?? path.join(import.meta.dirname, "dist"),
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    // scripts/route-budget.mjs reads it to measure what each route loads on first visit.
    manifest: true,
  },
  server: {
    proxy: { "/api": `http://127.0.0.1:${process.env.PORT ?? 7575}` },
  },
});
