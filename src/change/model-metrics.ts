/** How good a probability forecast is: ranking (AUC), accuracy (Brier) and calibration. Pure. */

/**
 * Area under the ROC curve by the Mann–Whitney statistic, ties counted half. NaN when one class
 * is absent (no ranking to judge).
 */
export function auc(predictions: number[], outcomes: number[]): number {
  const idx = predictions.map((p, i) => i).sort((a, b) => predictions[a] - predictions[b]);
  let pos = 0;
  let neg = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && predictions[idx[j + 1]] === predictions[idx[i]]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (outcomes[idx[k]] === 1) {
        pos++;
        rankSumPos += avgRank;
      } else neg++;
    }
    i = j + 1;
  }
  if (pos === 0 || neg === 0) return NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared error of the probabilities (0 is perfect, 0.25 is a coin at 50%). */
export function brier(predictions: number[], outcomes: number[]): number {
  if (predictions.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < predictions.length; i++) s += (predictions[i] - outcomes[i]) ** 2;
  return s / predictions.length;
}

export interface CalibrationBin {
  /** Lower and upper bound of predicted probability, [from, to). */
  from: number;
  to: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Equal-width bins of predicted probability with the observed failure rate in each; empty bins left out. */
export function calibrationBins(predictions: number[], outcomes: number[], binCount = 10): CalibrationBin[] {
  const bins = Array.from({ length: binCount }, (_, b) => ({ from: b / binCount, to: (b + 1) / binCount, count: 0, sumP: 0, sumY: 0 }));
  predictions.forEach((p, i) => {
    const b = Math.min(binCount - 1, Math.max(0, Math.floor(p * binCount)));
    bins[b].count++;
    bins[b].sumP += p;
    bins[b].sumY += outcomes[i];
  });
  return bins
    .filter((b) => b.count > 0)
    .map((b) => ({ from: b.from, to: b.to, count: b.count, meanPredicted: b.sumP / b.count, observedRate: b.sumY / b.count }));
}

/** Expected calibration error: the count-weighted mean gap between predicted and observed. */
export function expectedCalibrationError(bins: CalibrationBin[]): number {
  const n = bins.reduce((s, b) => s + b.count, 0);
  if (n === 0) return NaN;
  return bins.reduce((s, b) => s + (b.count / n) * Math.abs(b.meanPredicted - b.observedRate), 0);
}
