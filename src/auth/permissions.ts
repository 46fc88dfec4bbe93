/** Global permissions (docs/api.md, "Identity and global permissions"): a key implies every key under it. */
export const GLOBAL_PERMISSIONS = [
  "admin",
  "integration-full-all",
  "integration-interact-all",
  "integration-use-all",
  "integration-create",
  "app-full-all",
  "app-create",
  "search-engine-full-all",
  "search-engine-create",
  "user-manage",
] as const;
export type GlobalPermission = (typeof GLOBAL_PERMISSIONS)[number];

const implies: Record<GlobalPermission, GlobalPermission[]> = {
  admin: ["integration-full-all", "app-full-all", "search-engine-full-all", "user-manage"],
  "integration-full-all": ["integration-interact-all", "integration-create"],
  "integration-interact-all": ["integration-use-all"],
  "integration-use-all": [],
  "integration-create": [],
  "app-full-all": ["app-create"],
  "app-create": [],
  "search-engine-full-all": ["search-engine-create"],
  "search-engine-create": [],
  "user-manage": [],
};

/** The closure of a set of granted keys: everything they imply. Unknown keys (from a newer version) are ignored. */
export function expandPermissions(granted: Iterable<string>): Set<GlobalPermission> {
  const out = new Set<GlobalPermission>();
  const visit = (p: GlobalPermission) => {
    if (out.has(p)) return;
    out.add(p);
    for (const q of implies[p]) visit(q);
  };
  for (const g of granted) if ((GLOBAL_PERMISSIONS as readonly string[]).includes(g)) visit(g as GlobalPermission);
  return out;
}

/** Per-integration levels, stored as integers so "the highest wins" is MAX() in SQL. */
export const LEVELS = { use: 1, interact: 2, full: 3 } as const;
export type LevelName = keyof typeof LEVELS;
export const LEVEL_NAMES: LevelName[] = ["use", "interact", "full"];

export function levelName(level: number): LevelName | null {
  return level >= 3 ? "full" : level === 2 ? "interact" : level === 1 ? "use" : null;
}

/** The level every integration has for a holder of these global permissions. */
export function globalIntegrationLevel(perms: ReadonlySet<GlobalPermission>): number {
  if (perms.has("integration-full-all")) return LEVELS.full;
  if (perms.has("integration-interact-all")) return LEVELS.interact;
  if (perms.has("integration-use-all")) return LEVELS.use;
  return 0;
}

export function accessFlags(level: number) {
  return { hasUseAccess: level >= 1, hasInteractAccess: level >= 2, hasFullAccess: level >= 3 };
}
