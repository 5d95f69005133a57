/** One point of a degree histogram: how many nodes have exactly this degree. */
export interface HistogramBin {
  readonly degree: number;
  readonly count: number;
}

/** One point of the complementary CDF: the fraction of nodes with degree ≥ `degree`. */
export interface CcdfPoint {
  readonly degree: number;
  readonly fraction: number;
}

/** Degree histogram over the degrees that occur, ascending. */
export function degreeHistogram(values: ArrayLike<number>): HistogramBin[] {
  const counts = new Map<number, number>();
  for (let i = 0; i < values.length; i++) {
    const value = values[i] as number;
    counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([degree, count]) => ({ degree, count }));
}

/**
 * Complementary CDF P(D ≥ d) at every degree that occurs, ascending — the curve a power law
 * draws as a straight line of slope 1 − α on log-log axes.
 */
export function degreeCcdf(values: ArrayLike<number>): CcdfPoint[] {
  const histogram = degreeHistogram(values);
  let remaining = values.length;
  return histogram.map(({ degree, count }) => {
    const point = { degree, fraction: remaining / values.length };
    remaining -= count;
    return point;
  });
}
