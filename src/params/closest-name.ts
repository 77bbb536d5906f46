/**
 * "Did you mean": the one place that finds the known name nearest to a mistyped one, for parameter names and
 * node names alike (params files, `-p`, `setParams`).
 */

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row.push(Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1)));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The candidate nearest to `name`: a typo of up to a third of its length (at least one edit), else for dotted
 * names the candidate with the same last segment; undefined when nothing is close.
 */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: { name: string; d: number } | undefined;
  for (const candidate of list) {
    const d = editDistance(candidate, name);
    if (d <= Math.max(1, Math.floor(name.length / 3)) && (!best || d < best.d)) best = { name: candidate, d };
  }
  if (best) return best.name;
  const tail = name.slice(name.lastIndexOf('.') + 1);
  return list.find((c) => c.slice(c.lastIndexOf('.') + 1) === tail);
}

/** ` (did you mean 'x'?)`, or '' when no candidate is close. */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  const near = closestName(name, candidates);
  return near === undefined ? '' : ` (did you mean '${near}'?)`;
}
