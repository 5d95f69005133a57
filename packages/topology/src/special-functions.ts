// Special functions the fit needs, written here because no maintained JavaScript library
// provides the Hurwitz zeta function or a log-space complementary error function with full
// double precision. Both are checked against known values in special-functions.test.ts.

/** Bernoulli numbers B2, B4, …, B24 for the Euler–Maclaurin tail. */
const BERNOULLI = [
  1 / 6,
  -1 / 30,
  1 / 42,
  -1 / 30,
  5 / 66,
  -691 / 2730,
  7 / 6,
  -3617 / 510,
  43867 / 798,
  -174611 / 330,
  854513 / 138,
  -236364091 / 2730,
];

/** Terms summed directly before the Euler–Maclaurin remainder (q + DIRECT_TERMS ≥ 10). */
const DIRECT_TERMS = 9;

/**
 * The Hurwitz zeta function ζ(s, q) = Σ_{j≥0} (q + j)^(−s) for s > 1 and q > 0, by
 * Euler–Maclaurin summation: nine terms directly, then the integral, the half term and up to
 * twelve Bernoulli corrections (relative error ≈ 1e-15). Returns NaN outside the domain.
 */
export function hurwitzZeta(s: number, q: number): number {
  if (!(s > 1) || !(q > 0)) return Number.NaN;
  let sum = 0;
  let j = 0;
  for (; j < DIRECT_TERMS; j++) sum += (q + j) ** -s;
  const a = q + j;
  const aPower = a ** -s; // a^(−s)
  sum += (a * aPower) / (s - 1) + aPower / 2;
  // term m: B_{2m} / (2m)! · s(s+1)…(s+2m−2) · a^(−s−2m+1)
  let rising = s;
  let factorial = 2;
  let power = aPower / a;
  for (let m = 1; m <= BERNOULLI.length; m++) {
    const term = ((BERNOULLI[m - 1] as number) / factorial) * rising * power;
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
    rising *= (s + 2 * m - 1) * (s + 2 * m);
    factorial *= (2 * m + 1) * (2 * m + 2);
    power /= a * a;
  }
  return sum;
}

const LOG_SQRT_PI = 0.5 * Math.log(Math.PI);

/**
 * log(erfc(x)), accurate in relative terms far into the tail (no underflow: logErfc(40) ≈
 * −1604.4). Series for |x| ≤ 2.5, Lentz continued fraction beyond.
 */
export function logErfc(x: number): number {
  if (x <= 2.5) return Math.log(erfc(x));
  // erfc(x) = exp(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …))))
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 500; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? tiny : 1 / d;
    c = x + an / c;
    if (c === 0) c = tiny;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return -x * x - LOG_SQRT_PI - Math.log(f);
}

/** The complementary error function erfc(x) = 1 − erf(x), with small relative error. */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x > 2.5) return Math.exp(logErfc(x));
  // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
  let term = x;
  let sum = x;
  const x2 = x * x;
  for (let n = 1; n < 200; n++) {
    term *= -x2 / n;
    const contribution = term / (2 * n + 1);
    sum += contribution;
    if (Math.abs(contribution) < 1e-17 * Math.abs(sum)) break;
  }
  return 1 - (2 / Math.sqrt(Math.PI)) * sum;
}

/** log Q(z), where Q(z) = P(Z > z) for a standard normal Z. */
export function logNormalUpperTail(z: number): number {
  return Math.log(0.5) + logErfc(z / Math.SQRT2);
}

/** log(Φ(b) − Φ(a)) for a < b, precise even when both lie deep in one tail. */
export function logNormalInterval(a: number, b: number): number {
  if (a >= 0) return intervalOfUpperTails(a, b);
  if (b <= 0) return intervalOfUpperTails(-b, -a);
  return Math.log1p(-(Math.exp(logNormalUpperTail(-a)) + Math.exp(logNormalUpperTail(b))));
}

/** log(Q(a) − Q(b)) for 0 ≤ a < b. */
function intervalOfUpperTails(a: number, b: number): number {
  const logA = logNormalUpperTail(a);
  const logB = logNormalUpperTail(b);
  return logA + Math.log(-Math.expm1(logB - logA));
}

/**
 * Minimises `f` over [low, high] by golden-section search (f unimodal there), to an
 * absolute tolerance on the argument.
 */
export function minimiseScalar(
  f: (x: number) => number,
  low: number,
  high: number,
  tolerance = 1e-9,
): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = low;
  let b = high;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > tolerance) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return (a + b) / 2;
}

/** Minimises `f` over R² by Nelder–Mead from `start`, with initial simplex step `step`. */
export function minimiseNelderMead(
  f: (point: readonly [number, number]) => number,
  start: readonly [number, number],
  step: readonly [number, number],
  maxIterations = 500,
): [number, number] {
  type Vertex = { point: [number, number]; value: number };
  const make = (point: [number, number]): Vertex => ({ point, value: f(point) });
  let simplex: Vertex[] = [
    make([start[0], start[1]]),
    make([start[0] + step[0], start[1]]),
    make([start[0], start[1] + step[1]]),
  ];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    simplex.sort((x, y) => x.value - y.value);
    const [best, middle, worst] = simplex as [Vertex, Vertex, Vertex];
    if (Math.abs(worst.value - best.value) <= 1e-12 * (Math.abs(best.value) + 1e-12)) break;
    const centroid: [number, number] = [
      (best.point[0] + middle.point[0]) / 2,
      (best.point[1] + middle.point[1]) / 2,
    ];
    const along = (t: number): [number, number] => [
      centroid[0] + t * (worst.point[0] - centroid[0]),
      centroid[1] + t * (worst.point[1] - centroid[1]),
    ];
    const reflected = make(along(-1));
    if (reflected.value < best.value) {
      const expanded = make(along(-2));
      simplex = [best, middle, expanded.value < reflected.value ? expanded : reflected];
    } else if (reflected.value < middle.value) {
      simplex = [best, middle, reflected];
    } else {
      const contracted = make(reflected.value < worst.value ? along(-0.5) : along(0.5));
      if (contracted.value < Math.min(worst.value, reflected.value)) {
        simplex = [best, middle, contracted];
      } else {
        const shrink = (vertex: Vertex): Vertex =>
          make([(best.point[0] + vertex.point[0]) / 2, (best.point[1] + vertex.point[1]) / 2]);
        simplex = [best, shrink(middle), shrink(worst)];
      }
    }
  }
  simplex.sort((x, y) => x.value - y.value);
  return (simplex[0] as Vertex).point;
}
