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
export const LEVEL_NAMES = ["use", "interact", "full"] as const satisfies readonly LevelName[];

export function levelName(level: number): LevelName | null {
  return level >= LEVELS.full ? "full" : level === LEVELS.interact ? "interact" : level === LEVELS.use ? "use" : null;
}

/** The level every integration has for a holder of these global permissions. */
export function globalIntegrationLevel(perms: ReadonlySet<GlobalPermission>): number {
  if (perms.has("integration-full-all")) return LEVELS.full;
  if (perms.has("integration-interact-all")) return LEVELS.interact;
  if (perms.has("integration-use-all")) return LEVELS.use;
  return 0;
}

export function accessFlags(level: number) {
  return { hasUseAccess: level >= LEVELS.use, hasInteractAccess: level >= LEVELS.interact, hasFullAccess: level >= LEVELS.full };
}

/** The level one granted global permission gives every integration ("inherited" by its groups), 0 for none. */
export function inheritedLevel(permission: string): number {
  return globalIntegrationLevel(expandPermissions([permission]));
}

/** The global permissions that give a level on every integration (admin, integration-*-all). */
export const INHERITING_PERMISSIONS = GLOBAL_PERMISSIONS.filter((p) => inheritedLevel(p) > 0);

/** Several grants to one principal collapse to the highest level (replace-all saves, imports). */
export function highestLevels(grants: Iterable<{ principalId: string; permission: LevelName }>): Map<string, number> {
  const out = new Map<string, number>();
  for (const g of grants) out.set(g.principalId, Math.max(out.get(g.principalId) ?? 0, LEVELS[g.permission]));
  return out;
}

/**
 * Apps and search engines are shared: changing one needs the matching `-full-all` permission, or being the
 * user who created it.
 */
export function mayManageShared(held: ReadonlySet<GlobalPermission>, userId: string | undefined, createdBy: string | null, fullAll: "app-full-all" | "search-engine-full-all"): boolean {
  return held.has(fullAll) || (createdBy !== null && createdBy === userId);
}

/**
 * Nobody grants what they do not hold: the permissions among `granted` (and everything they imply) that
 * `held` lacks, sorted; empty when the grant is within the holder's own rights.
 */
export function missingGrants(held: ReadonlySet<GlobalPermission>, granted: Iterable<string>): GlobalPermission[] {
  return [...expandPermissions(granted)].filter((p) => !held.has(p)).sort();
}
