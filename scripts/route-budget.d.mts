// Types of scripts/route-budget.mjs (a plain ES module the build runs without TypeScript).
export interface RouteSize {
  path: string;
  module: string;
  files: string[];
  gzipBytes: number;
}
export declare const BUDGET_KB: number;
export declare function readRoutes(appSource: string): { routes: { path: string; module: string }[]; landing: string | undefined };
export declare function routeSizes(distDir: string, appSource: string): { entry: string; landing: string | undefined; routes: RouteSize[] };
export declare function kb(bytes: number): string;
export declare function landingLine(landing: string, bytes: number): string;
