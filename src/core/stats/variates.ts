/**
 * Seeded random variates (uniform on (0, 1), standard normal by Box-Muller, gamma by Marsaglia &
 * Tsang, beta from two gammas) on the core's seeded generator, for the bootstrap and for
 * reproducible simulated data in tests and benchmarks. Pure: the same seed gives the same stream.
 */
import { seededRandom } from '../seeded-random';

/** Seeded generators: uniform (0, 1), standard normal, gamma and beta variates. */
export function seededVariates(seed: number) {
  const raw = seededRandom(seed);
  const uniform = () => {
    let u = raw();
    while (u === 0) u = raw();
    return u;
  };
  let spare: number | undefined;
  const normal = () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    const r = Math.sqrt(-2 * Math.log(uniform()));
    const t = 2 * Math.PI * uniform();
    spare = r * Math.sin(t);
    return r * Math.cos(t);
  };
  /** Marsaglia & Tsang (2000) for shape ≥ 1; shape < 1 by the U^(1/a) boost. */
  const gamma = (shape: number): number => {
    if (shape < 1) return gamma(shape + 1) * uniform() ** (1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      let v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const u = uniform();
      if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  const beta = (a: number, b: number) => {
    const g = gamma(a);
    return g / (g + gamma(b));
  };
  return { uniform, normal, gamma, beta };
}
