import { useQuery } from "@tanstack/react-query";
import { useTRPC, type KindInfo } from "../api";
import { CATEGORY_LABELS, primaryCategory } from "../ui";

/** The kinds catalog (integration.getKinds): fixed while the server runs, so fetched once. */
export function useKinds() {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.integration.getKinds.queryOptions(), staleTime: Infinity });
  const byKind = new Map((q.data ?? []).map((k) => [k.kind, k]));
  return { kinds: q.data ?? [], byKind, isPending: q.isPending };
}

/** Items grouped by their kind's home category, in catalog category order. */
export function groupByCategory<T>(items: T[], kindOf: (t: T) => KindInfo | undefined): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const c = primaryCategory(kindOf(item));
    groups.set(c, [...(groups.get(c) ?? []), item]);
  }
  const order = Object.keys(CATEGORY_LABELS);
  return [...groups.entries()].sort((a, b) => (order.indexOf(a[0]) + 1 || 99) - (order.indexOf(b[0]) + 1 || 99));
}
