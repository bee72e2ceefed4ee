/**
 * Ranks and ties of a sample (for rank tests). Pure, no I/O.
 */

/** Ranks 1..n with ties given their average rank (SciPy `rankdata(method='average')`). */
export function averageRanks(values: readonly number[]): number[] {
  const idx = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
  const ranks = new Array<number>(values.length);
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && values[idx[j + 1]] === values[idx[i]]) j++;
    const r = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[idx[k]] = r;
    i = j + 1;
  }
  return ranks;
}

/** Sizes of groups of tied values. */
export function tieGroupSizes(values: readonly number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const sizes: number[] = [];
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[i]) j++;
    sizes.push(j - i + 1);
    i = j + 1;
  }
  return sizes;
}
