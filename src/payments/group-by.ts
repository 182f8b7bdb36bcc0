/**
 * Rows read for several keys at once, split back per key in the order asked for: what a batch
 * loader hands back (every key present, [] for one without rows, row order kept).
 */
export function groupBy<K, R>(keys: readonly K[], rows: readonly R[], keyOf: (row: R) => K): Map<K, R[]> {
  const groups = new Map<K, R[]>(keys.map((key) => [key, []]));
  for (const row of rows) groups.get(keyOf(row))?.push(row);
  return groups;
}
