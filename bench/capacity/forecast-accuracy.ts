/**
 * Forecast accuracy of `shipgate capacity forecast`'s model (src/capacity/backtest.ts) on
 * generated hourly series with known daily and weekly seasonality, growth and noise (seeded):
 * fit on 28 days, score the held-out next 7 days. Goals: MAPE ≤ 10%, 80% interval coverage
 * 75–85%. The seasonal-naive peer (the value one week earlier) is scored in the same run, and
 * the ratio of the two MAPEs printed. Prints the figures; bench/RESULTS.md is written by hand.
 *
 *   node --import tsx bench/capacity/forecast-accuracy.ts [--seeds 20]
 */
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { mape, seasonalForecast } from '../../src/capacity/backtest';
import { WEEK_H } from '../../src/capacity/forecast';
import { seededVariates } from '../../src/core/stats/variates';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '20' } } });
const SEEDS = Math.max(1, Number(args.seeds));
const HIST = 4 * WEEK_H;

interface Setting {
  name: string;
  /** Relative noise, standard deviation. */
  noise: number;
  /** Growth per week, fraction. */
  growthPerWeek: number;
}
const settings: Setting[] = [
  { name: 'low noise, flat', noise: 0.03, growthPerWeek: 0 },
  { name: 'low noise, +5%/week', noise: 0.03, growthPerWeek: 0.05 },
  { name: 'high noise, flat', noise: 0.1, growthPerWeek: 0 },
  { name: 'high noise, +5%/week', noise: 0.1, growthPerWeek: 0.05 },
];

/** Daily wave (peak mid-afternoon), weekday/weekend levels, a Friday evening bump; multiplicative noise. */
function generate(s: Setting, seed: number): number[] {
  const v = seededVariates(seed);
  return Array.from({ length: HIST + WEEK_H }, (_, t) => {
    const hour = t % 24;
    const day = Math.floor(t / 24) % 7;
    const daily = 1 + 0.6 * Math.sin((2 * Math.PI * (hour - 9)) / 24);
    const weekly = day >= 5 ? 0.65 : day === 4 && hour >= 17 ? 1.25 : 1;
    return 3600 * 50 * (1 + (s.growthPerWeek * t) / WEEK_H) * daily * weekly * Math.max(0.05, 1 + s.noise * v.normal());
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
console.log(`forecast accuracy: ${SEEDS} seeds per setting, fit 28 d, hold out 7 d; ${cpus().length} × ${cpus()[0]?.model ?? '?'}`);
console.log('| setting | model chosen (most often) | MAPE | seasonal-naive MAPE | ratio | 80% coverage | fit ms (median) |');
console.log('|---|---|---|---|---|---|---|');
for (const s of settings) {
  const mapes: number[] = [];
  const naive: number[] = [];
  const cover: number[] = [];
  const ms: number[] = [];
  const chosen = new Map<string, number>();
  for (let seed = 1; seed <= SEEDS; seed++) {
    const y = generate(s, seed * 7919 + Math.round(s.noise * 1000) + Math.round(s.growthPerWeek * 100));
    const hist = y.slice(0, HIST);
    const held = y.slice(HIST);
    const t0 = performance.now();
    const f = seasonalForecast(hist, WEEK_H, 0.8);
    ms.push(performance.now() - t0);
    chosen.set(f.name, (chosen.get(f.name) ?? 0) + 1);
    mapes.push(mape(held, f.mean));
    naive.push(mape(held, hist.slice(HIST - WEEK_H)));
    cover.push(held.filter((v, i) => v >= f.lower[i] && v <= f.upper[i]).length / held.length);
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const top = [...chosen.entries()].sort((a, b) => b[1] - a[1])[0];
  const sortedMs = [...ms].sort((a, b) => a - b);
  console.log(
    `| ${s.name} (σ ${pct(s.noise)}) | ${top[0]} (${top[1]}/${SEEDS}) | ${pct(avg(mapes))} | ${pct(avg(naive))} | ${(avg(mapes) / avg(naive)).toFixed(2)} | ${pct(avg(cover))} (min ${pct(Math.min(...cover))}) | ${sortedMs[Math.floor(SEEDS / 2)].toFixed(0)} |`,
  );
}
