import { P2pError, type RandomSource } from "@p2p/wire";
import type { TopologyErrorCode } from "./errors.js";
import {
  hurwitzZeta,
  logNormalInterval,
  logNormalUpperTail,
  minimiseNelderMead,
  minimiseScalar,
} from "./special-functions.js";

/** The exponent search range of the maximum-likelihood fit. */
const ALPHA_LOW = 1.0001;
const ALPHA_HIGH = 20;

/** A fitted discrete power law P(x) = x^(−α) / ζ(α, xmin) for x ≥ xmin. */
export interface PowerLawFit {
  /** Maximum-likelihood exponent. */
  readonly alpha: number;
  /** Standard error of α from the Fisher information at the fit. */
  readonly alphaStandardError: number;
  /** Lower bound of the power-law tail, chosen by minimising `ks`. */
  readonly xmin: number;
  /** Kolmogorov–Smirnov distance between the tail data and the fitted law. */
  readonly ks: number;
  /** Number of observations ≥ xmin. */
  readonly tailCount: number;
  /** Number of observations in the whole sample. */
  readonly sampleCount: number;
}

/** Options of {@link fitPowerLaw}. */
export interface FitOptions {
  /** Fix xmin instead of scanning for it. */
  readonly xmin?: number;
  /** Smallest tail (observations ≥ xmin) an xmin candidate may leave. Default 10. */
  readonly minTailCount?: number;
}

/** The sample as sorted distinct values with their counts (what every fit step needs). */
interface Tabulated {
  readonly values: Float64Array;
  readonly counts: Float64Array;
  /** suffixCount[i] = observations with value ≥ values[i]. */
  readonly suffixCount: Float64Array;
  /** suffixLogSum[i] = Σ ln x over observations with value ≥ values[i]. */
  readonly suffixLogSum: Float64Array;
  readonly total: number;
}

function tabulate(sorted: ArrayLike<number>): Tabulated {
  const values: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const value = sorted[i] as number;
    if (values.length > 0 && values[values.length - 1] === value) {
      counts[counts.length - 1] = (counts[counts.length - 1] as number) + 1;
    } else {
      values.push(value);
      counts.push(1);
    }
  }
  const distinct = values.length;
  const suffixCount = new Float64Array(distinct + 1);
  const suffixLogSum = new Float64Array(distinct + 1);
  for (let i = distinct - 1; i >= 0; i--) {
    suffixCount[i] = (suffixCount[i + 1] as number) + (counts[i] as number);
    suffixLogSum[i] =
      (suffixLogSum[i + 1] as number) + (counts[i] as number) * Math.log(values[i] as number);
  }
  return {
    values: Float64Array.from(values),
    counts: Float64Array.from(counts),
    suffixCount,
    suffixLogSum,
    total: sorted.length,
  };
}

function validateSample(sample: ArrayLike<number>): Float64Array {
  const sorted = Float64Array.from(sample as ArrayLike<number>).sort();
  if (sorted.length < 2) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `a power-law fit needs at least 2 values, got ${sorted.length}`,
    );
  }
  for (const value of sorted) {
    if (!Number.isInteger(value) || value < 1) {
      throw new P2pError<TopologyErrorCode>(
        "ARGUMENT_INVALID",
        `power-law samples must be integers ≥ 1, got ${value}`,
      );
    }
  }
  return sorted;
}

/** Maximum-likelihood α for the tail of observations from distinct-value index `start` on. */
function alphaFor(table: Tabulated, start: number, xmin: number): number {
  const count = table.suffixCount[start] as number;
  const logSum = table.suffixLogSum[start] as number;
  // negative log-likelihood: n ln ζ(α, xmin) + α Σ ln x   (convex in α)
  return minimiseScalar(
    (alpha) => count * Math.log(hurwitzZeta(alpha, xmin)) + alpha * logSum,
    ALPHA_LOW,
    ALPHA_HIGH,
    1e-7,
  );
}

/** KS distance between the tail from index `start` and the law (α, xmin), over all integers ≥ xmin. */
function ksFor(table: Tabulated, start: number, alpha: number, xmin: number): number {
  const { values, counts } = table;
  const count = table.suffixCount[start] as number;
  const norm = hurwitzZeta(alpha, xmin);
  let zetaAtValue = norm; // ζ(α, x) at the current x
  let x = xmin;
  let empirical = 0; // empirical CDF just below values[i]
  let distance = 0;
  for (let i = start; i < values.length; i++) {
    const value = values[i] as number;
    if (value > x) {
      if (value - x <= 32) {
        for (; x < value; x++) zetaAtValue -= x ** -alpha;
      } else zetaAtValue = hurwitzZeta(alpha, value);
      x = value;
      // at value − 1 the model CDF is 1 − ζ(α, value)/norm and the empirical CDF has not moved
      distance = Math.max(distance, Math.abs(empirical - (1 - zetaAtValue / norm)));
    }
    empirical += (counts[i] as number) / count;
    const modelCdf = 1 - (zetaAtValue - value ** -alpha) / norm;
    distance = Math.max(distance, Math.abs(empirical - modelCdf));
  }
  return distance;
}

/** Standard error of α: 1 / √(n · d²/dα² ln ζ(α, xmin)). */
function standardError(alpha: number, xmin: number, count: number): number {
  const h = 1e-3;
  const f = (a: number) => Math.log(hurwitzZeta(a, xmin));
  const curvature = (f(alpha + h) - 2 * f(alpha) + f(alpha - h)) / (h * h);
  return 1 / Math.sqrt(count * curvature);
}

function fitTabulated(table: Tabulated, options: FitOptions): PowerLawFit {
  const minTailCount = options.minTailCount ?? 10;
  if (options.xmin !== undefined) {
    const xmin = options.xmin;
    const start = table.values.findIndex((value) => value >= xmin);
    if (!Number.isInteger(xmin) || xmin < 1 || start < 0) {
      throw new P2pError<TopologyErrorCode>(
        "ARGUMENT_INVALID",
        `xmin must be an integer ≥ 1 with observations above it, got ${xmin}`,
      );
    }
    const alpha = alphaFor(table, start, xmin);
    return finish(table, start, alpha, ksFor(table, start, alpha, xmin), xmin);
  }
  // Clauset et al.: every distinct value but the largest is an xmin candidate.
  let best: { start: number; alpha: number; ks: number } | undefined;
  for (let start = 0; start < table.values.length - 1; start++) {
    if ((table.suffixCount[start] as number) < minTailCount) break;
    const xmin = table.values[start] as number;
    const alpha = alphaFor(table, start, xmin);
    const ks = ksFor(table, start, alpha, xmin);
    if (best === undefined || ks < best.ks) best = { start, alpha, ks };
  }
  if (best === undefined) {
    // Too few distinct values or observations: fit the whole sample.
    const xmin = table.values[0] as number;
    const alpha = alphaFor(table, 0, xmin);
    best = { start: 0, alpha, ks: ksFor(table, 0, alpha, xmin) };
  }
  return finish(table, best.start, best.alpha, best.ks, table.values[best.start] as number);
}

function finish(
  table: Tabulated,
  start: number,
  alpha: number,
  ks: number,
  xmin: number,
): PowerLawFit {
  const tailCount = table.suffixCount[start] as number;
  return {
    alpha,
    alphaStandardError: standardError(alpha, xmin, tailCount),
    xmin,
    ks,
    tailCount,
    sampleCount: table.total,
  };
}

/**
 * Fits a discrete power law to a sample of integers ≥ 1 (Clauset, Shalizi & Newman 2009):
 * for each candidate xmin, α maximises the likelihood with Hurwitz-zeta normalisation;
 * the xmin whose fit has the smallest Kolmogorov–Smirnov distance wins.
 */
export function fitPowerLaw(sample: ArrayLike<number>, options: FitOptions = {}): PowerLawFit {
  return fitTabulated(tabulate(validateSample(sample)), options);
}

/**
 * A sampler for the discrete power law (α, xmin), exact: inverse CDF by table lookup for
 * x < xmin + 4096 and by bisection on the Hurwitz zeta function beyond.
 */
export function createPowerLawSampler(
  alpha: number,
  xmin: number,
): (random: RandomSource) => number {
  if (!(alpha > 1) || !Number.isInteger(xmin) || xmin < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `need α > 1 and integer xmin ≥ 1, got ${alpha}, ${xmin}`,
    );
  }
  const tableSize = 4096;
  const norm = hurwitzZeta(alpha, xmin);
  // survival[i] = P(X ≥ xmin + i)
  const survival = new Float64Array(tableSize + 1);
  survival[0] = 1;
  let zeta = norm;
  for (let i = 1; i <= tableSize; i++) {
    zeta -= (xmin + i - 1) ** -alpha;
    survival[i] = zeta / norm;
  }
  const tableEnd = survival[tableSize] as number;
  return (random) => {
    const u = 1 - random.next(); // (0, 1]
    if (u > tableEnd) {
      // largest i with survival[i] ≥ u
      let low = 0;
      let high = tableSize;
      while (high - low > 1) {
        const middle = (low + high) >> 1;
        if ((survival[middle] as number) >= u) low = middle;
        else high = middle;
      }
      return xmin + low;
    }
    let low = xmin + tableSize;
    let high = low * 2;
    while (hurwitzZeta(alpha, high) / norm >= u) {
      low = high;
      high *= 2;
      if (high > 2 ** 50) return Math.floor((xmin - 0.5) * u ** (-1 / (alpha - 1)) + 0.5);
    }
    while (high - low > 1) {
      const middle = Math.floor((low + high) / 2);
      if (hurwitzZeta(alpha, middle) / norm >= u) low = middle;
      else high = middle;
    }
    return low;
  };
}

/** Options of {@link powerLawGoodnessOfFit}. */
export interface GoodnessOfFitOptions extends FitOptions {
  /** Number of synthetic data sets (Clauset et al. suggest 2,500 for p to ±0.01). Default 1000. */
  readonly bootstrapSamples?: number;
  /** Called after each synthetic data set with (done, total). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** Result of {@link powerLawGoodnessOfFit}. */
export interface GoodnessOfFit {
  readonly fit: PowerLawFit;
  /** Fraction of synthetic power-law data sets fitting worse (larger KS) than the data. */
  readonly p: number;
  readonly bootstrapSamples: number;
}

/**
 * Semi-parametric bootstrap goodness of fit (Clauset et al. §4.1): each synthetic set has the
 * sample's size; each value comes, with probability tail/n, from the fitted power law, and
 * otherwise uniformly from the observed values below xmin. Each synthetic set is refitted
 * with the same procedure (xmin scan included); p is the fraction whose KS distance is at
 * least the data's. p ≥ 0.1 is conventionally "consistent with a power law".
 */
export function powerLawGoodnessOfFit(
  sample: ArrayLike<number>,
  random: RandomSource,
  options: GoodnessOfFitOptions = {},
): GoodnessOfFit {
  const bootstrapSamples = options.bootstrapSamples ?? 1000;
  if (!Number.isInteger(bootstrapSamples) || bootstrapSamples < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `bootstrapSamples must be a positive integer, got ${bootstrapSamples}`,
    );
  }
  const sorted = validateSample(sample);
  const fit = fitTabulated(tabulate(sorted), options);
  const total = sorted.length;
  let belowCount = 0;
  while (belowCount < total && (sorted[belowCount] as number) < fit.xmin) belowCount++;
  const tailProbability = fit.tailCount / total;
  const draw = createPowerLawSampler(fit.alpha, fit.xmin);
  const synthetic = new Float64Array(total);
  let worse = 0;
  for (let b = 0; b < bootstrapSamples; b++) {
    for (let i = 0; i < total; i++) {
      synthetic[i] =
        belowCount === 0 || random.next() < tailProbability
          ? draw(random)
          : (sorted[Math.floor(random.next() * belowCount)] as number);
    }
    synthetic.sort();
    const refit = fitTabulated(tabulate(synthetic), options);
    if (refit.ks >= fit.ks) worse++;
    options.onProgress?.(b + 1, bootstrapSamples);
  }
  return { fit, p: worse / bootstrapSamples, bootstrapSamples };
}

/** An alternative distribution compared with the power law on the tail x ≥ xmin. */
export type AlternativeName = "exponential" | "log-normal";

/** Vuong's likelihood-ratio test of the power law against one alternative. */
export interface LikelihoodRatioTest {
  readonly alternative: AlternativeName;
  /** Log-likelihood ratio R = ℓ(power law) − ℓ(alternative): positive favours the power law. */
  readonly logLikelihoodRatio: number;
  /** Normalised ratio R / (σ √n). */
  readonly normalisedRatio: number;
  /** Two-sided p-value of Vuong's test: small means the sign of R is significant. */
  readonly p: number;
  /** "power-law", the alternative's name, or "inconclusive" (p ≥ `significance`). */
  readonly favours: "power-law" | AlternativeName | "inconclusive";
  /** Fitted parameters of the alternative. */
  readonly parameters: Readonly<Record<string, number>>;
}

/**
 * Compares the fitted power law with a discrete exponential (geometric) and a discretised
 * log-normal on the tail x ≥ xmin, by Vuong's normalised log-likelihood ratio (Clauset et
 * al. §5). Both alternatives are truncated at xmin and fitted by maximum likelihood:
 * - exponential: P(x) = (1 − e^(−λ)) e^(−λ(x − xmin)) (closed form);
 * - log-normal: P(x) ∝ Φ((ln(x + ½) − μ)/σ) − Φ((ln(x − ½) − μ)/σ), normalised over
 *   x ≥ xmin (Nelder–Mead on μ, ln σ).
 */
export function compareAlternatives(
  sample: ArrayLike<number>,
  fit: PowerLawFit,
  significance = 0.1,
): LikelihoodRatioTest[] {
  const sorted = validateSample(sample);
  const tail = sorted.filter((value) => value >= fit.xmin);
  const table = tabulate(tail);
  const { values, counts } = table;
  const n = tail.length;
  const logNorm = Math.log(hurwitzZeta(fit.alpha, fit.xmin));
  const powerLaw = Array.from(values, (value) => -fit.alpha * Math.log(value) - logNorm);

  // exponential (geometric), closed-form MLE
  let meanExcess = 0;
  for (const value of tail) meanExcess += value - fit.xmin;
  meanExcess /= n;
  const lambda = meanExcess === 0 ? 50 : Math.log((1 + meanExcess) / meanExcess);
  const exponential = Array.from(
    values,
    (value) => Math.log(-Math.expm1(-lambda)) - lambda * (value - fit.xmin),
  );

  // discretised log-normal, numerical MLE
  const logNormalPointwise = (mu: number, sigma: number): number[] => {
    const lowerEdge = (Math.log(fit.xmin - 0.5) - mu) / sigma;
    const logNormaliser = logNormalUpperTail(lowerEdge);
    return Array.from(
      values,
      (value) =>
        logNormalInterval(
          (Math.log(value - 0.5) - mu) / sigma,
          (Math.log(value + 0.5) - mu) / sigma,
        ) - logNormaliser,
    );
  };
  let logMean = 0;
  for (const value of tail) logMean += Math.log(value);
  logMean /= n;
  let logVariance = 0;
  for (const value of tail) logVariance += (Math.log(value) - logMean) ** 2;
  const logSpread = Math.max(Math.sqrt(logVariance / n), 0.1);
  const [mu, logSigma] = minimiseNelderMead(
    ([m, s]) => {
      const pointwise = logNormalPointwise(m, Math.exp(s));
      let total = 0;
      for (let i = 0; i < pointwise.length; i++)
        total -= (counts[i] as number) * (pointwise[i] as number);
      return Number.isFinite(total) ? total : Number.MAX_VALUE;
    },
    [logMean, Math.log(logSpread)],
    [0.5, 0.3],
  );
  const logNormal = logNormalPointwise(mu, Math.exp(logSigma));

  const vuong = (
    alternative: AlternativeName,
    pointwise: number[],
    parameters: Record<string, number>,
  ): LikelihoodRatioTest => {
    let ratio = 0;
    for (let i = 0; i < values.length; i++) {
      ratio += (counts[i] as number) * ((powerLaw[i] as number) - (pointwise[i] as number));
    }
    const meanDifference = ratio / n;
    let variance = 0;
    for (let i = 0; i < values.length; i++) {
      const difference = (powerLaw[i] as number) - (pointwise[i] as number);
      variance += (counts[i] as number) * (difference - meanDifference) ** 2;
    }
    variance /= n;
    const sigma = Math.sqrt(variance);
    const normalisedRatio = sigma > 0 ? ratio / (sigma * Math.sqrt(n)) : 0;
    const p = sigma > 0 ? Math.exp(logNormalUpperTail(Math.abs(normalisedRatio)) + Math.log(2)) : 1;
    const favours = p >= significance ? "inconclusive" : ratio > 0 ? "power-law" : alternative;
    return { alternative, logLikelihoodRatio: ratio, normalisedRatio, p, favours, parameters };
  };
  return [
    vuong("exponential", exponential, { lambda }),
    vuong("log-normal", logNormal, { mu, sigma: Math.exp(logSigma) }),
  ];
}
