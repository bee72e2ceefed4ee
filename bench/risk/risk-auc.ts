/**
 * Learned risk model vs the points model on a generated history of 5,000 closed changes
 * (outcome depends on the risk factors, with noise): AUC, Brier score and calibration on the
 * newest 20%, after training on the oldest 80%. Writes bench/results/risk.md.
 *
 *   node --import tsx bench/risk/risk-auc.ts [--count 5000] [--seeds 5]
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateHistory } from '../../src/change/synthetic-history';
import { blendedRisk, evaluateTimeOrdered, learnedWeight, scoreForecast, trainRiskModel, type HoldoutReport } from '../../src/change/risk-model';
import { predictLogistic } from '../../src/change/logistic-regression';
import { riskFeatures } from '../../src/change/risk-model';
import { assessPoints, pointsProbability } from '../../src/change/risk-points';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const count = arg('count', 5000);
const seeds = arg('seeds', 5);
const reports: { seed: number; r: HoldoutReport; trainMs: number; failureRate: number }[] = [];
for (let seed = 1; seed <= seeds; seed++) {
  const history = generateHistory({ count, seed });
  const t0 = performance.now();
  const r = evaluateTimeOrdered(history);
  const trainMs = performance.now() - t0;
  if (!r) throw new Error(`seed ${seed}: no model (one-sided history)`);
  reports.push({ seed, r, trainMs, failureRate: history.filter((s) => s.failed).length / history.length });
}

const f3 = (x: number) => x.toFixed(3);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const lines: string[] = [];
lines.push('# Change risk: learned model vs points model');
lines.push('');
lines.push(`Date: ${new Date().toISOString().slice(0, 10)}. Machine: 2 cores, Node ${process.versions.node}; other work ran on the machine during the run.`);
lines.push('');
lines.push(`Generated history: ${count} closed changes per seed (src/change/synthetic-history.ts), failure log-odds from`);
lines.push('the risk factors (weights differ from the points table, size enters by its logarithm, a missing');
lines.push('rollback plan hurts more on big changes) plus Gaussian noise (σ = 0.6 on the log-odds).');
lines.push(`Time-ordered holdout: train on the oldest 80% (${reports[0].r.trainCount}), score the newest 20% (${reports[0].r.holdoutCount}).`);
lines.push('Learned model: L2-regularised logistic regression (λ = 1, IRLS), recency half-life 180 days.');
lines.push('Points model: the explainable points total through a fixed logistic curve (65 points = 50%).');
lines.push('');
lines.push('| seed | failure rate | learned AUC | points AUC | learned Brier | points Brier | learned ECE | points ECE | fit + score ms |');
lines.push('|---|---|---|---|---|---|---|---|---|');
for (const { seed, r, trainMs, failureRate } of reports) {
  lines.push(
    `| ${seed} | ${f3(failureRate)} | ${f3(r.learned.auc)} | ${f3(r.points.auc)} | ${f3(r.learned.brier)} | ${f3(r.points.brier)} | ${f3(r.learned.ece)} | ${f3(r.points.ece)} | ${trainMs.toFixed(0)} |`,
  );
}
lines.push(
  `| **mean** | ${f3(mean(reports.map((x) => x.failureRate)))} | **${f3(mean(reports.map((x) => x.r.learned.auc)))}** | **${f3(mean(reports.map((x) => x.r.points.auc)))}** | **${f3(mean(reports.map((x) => x.r.learned.brier)))}** | **${f3(mean(reports.map((x) => x.r.points.brier)))}** | ${f3(mean(reports.map((x) => x.r.learned.ece)))} | ${f3(mean(reports.map((x) => x.r.points.ece)))} | |`,
);
lines.push('');
lines.push(
  'Brier of always predicting the holdout base rate (reference): ' +
    reports.map((x) => f3(x.r.holdoutFailureRate * (1 - x.r.holdoutFailureRate))).join(', ') +
    '.',
);
lines.push('');
const first = reports[0].r;
lines.push(`Calibration of the learned model on the holdout (seed 1):`);
lines.push('');
lines.push('| predicted | count | mean predicted | observed |');
lines.push('|---|---|---|---|');
for (const b of first.learned.calibration)
  lines.push(`| ${b.from.toFixed(1)}–${b.to.toFixed(1)} | ${b.count} | ${f3(b.meanPredicted)} | ${f3(b.observedRate)} |`);
lines.push('');
lines.push(
  'Top drivers (standardised coefficients, seed 1): ' +
    first.drivers
      .slice(0, 8)
      .map((d) => `${d.feature} ${d.weight >= 0 ? '+' : ''}${d.weight.toFixed(2)}`)
      .join(', ') +
    '.',
);
lines.push('');
// How many outcomes the learned model needs: train on the newest n before the holdout.
const curveHistory = generateHistory({ count, seed: 1 });
const cut = Math.floor(count * 0.8);
const hold = curveHistory.slice(cut);
const y = hold.map((x) => (x.failed ? 1 : 0));
const pts = scoreForecast(
  hold.map((x) => pointsProbability(assessPoints(x.input).points)),
  y,
);
lines.push('Learning curve (seed 1): the learned model trained on the newest n outcomes before the same holdout; the blend');
lines.push(
  'gives the learned model weight 0 below 50 outcomes, rising linearly to 1 at 1,000 (from this curve: below about 1,000 outcomes the learned Brier score is no better than that of the points model).',
);
lines.push('');
lines.push('| n outcomes | learned AUC | learned Brier | blend weight | blended AUC | blended Brier | points AUC | points Brier |');
lines.push('|---|---|---|---|---|---|---|---|');
for (const n of [30, 50, 100, 250, 500, 1000, 2000, cut]) {
  const model = trainRiskModel(curveHistory.slice(cut - n, cut));
  if (!model) continue;
  const learned = scoreForecast(
    hold.map((x) => predictLogistic(model, riskFeatures(x.input))),
    y,
  );
  const blended = scoreForecast(
    hold.map((x) => blendedRisk(x.input, model).probability),
    y,
  );
  lines.push(
    `| ${n} | ${f3(learned.auc)} | ${f3(learned.brier)} | ${learnedWeight(n).toFixed(2)} | ${f3(blended.auc)} | ${f3(blended.brier)} | ${f3(pts.auc)} | ${f3(pts.brier)} |`,
  );
}
lines.push('');
const text = lines.join('\n') + '\n';
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'results', 'risk.md');
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, text);
process.stdout.write(text);
