import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { seededVariates } from '../core/stats/variates';
import { DAY_H, fitModel, forecastModel, initialState, modelName, runModel, WEEK_H } from './forecast';
import { mape, seasonalForecast } from './backtest';

/** A daily shape (peak at 15:00) and a weekend dip, as web traffic has. */
const daily = (t: number) => 1 + 0.5 * Math.sin((2 * Math.PI * ((t % DAY_H) - 9)) / DAY_H);
const weekly = (t: number) => (Math.floor(t / DAY_H) % 7 >= 5 ? 0.7 : 1.05);
const series = (n: number, f: (t: number) => number) => Array.from({ length: n }, (_, t) => f(t));

describe('double-seasonal Holt-Winters', () => {
  test('an exactly additive daily + weekly series is forecast exactly a week ahead (the initial state is the truth)', () => {
    const f = (t: number) => 500 + 80 * Math.sin((2 * Math.PI * (t % DAY_H)) / DAY_H) + (Math.floor(t / DAY_H) % 7 === 6 ? -120 : 20);
    const y = series(3 * WEEK_H, f);
    const m = fitModel(y, { seasonality: 'additive', trend: false });
    assert.ok(m.sse < 1e-12, `sse ${m.sse}`);
    const fc = forecastModel(m, WEEK_H);
    fc.forEach((v, i) => assert.ok(Math.abs(v - f(3 * WEEK_H + i)) < 1e-8, `hour ${i}: ${v} vs ${f(3 * WEEK_H + i)}`));
  });

  test('the initial state splits the hour-of-week profile into a daily part and a weekly remainder centred on 1 (multiplicative)', () => {
    const y = series(2 * WEEK_H, (t) => 1000 * daily(t) * weekly(t));
    const s = initialState(y, { seasonality: 'multiplicative', trend: false });
    const dm = s.day.reduce((a, b) => a + b, 0) / DAY_H;
    const wm = s.week.reduce((a, b) => a + b, 0) / WEEK_H;
    assert.ok(Math.abs(dm - 1) < 1e-12 && Math.abs(wm - 1) < 0.01, `${dm} ${wm}`);
    // Reproduces the first week from the profile: level × day × week.
    for (const t of [0, 15, 100, 130, 167]) {
      const v = (s.level + s.trend) * s.day[t % DAY_H] * s.week[t % WEEK_H];
      assert.ok(Math.abs(v / y[t] - 1) < 1e-9, `t=${t}: ${v} vs ${y[t]}`);
    }
  });

  test('a trend: growth of 3% a week, multiplicative, forecast within 1% two weeks ahead with the trend model and drifting without it', () => {
    const f = (t: number) => 1000 * (1 + (0.03 * t) / WEEK_H) * daily(t) * weekly(t);
    const y = series(4 * WEEK_H, f);
    const actual = series(2 * WEEK_H, (i) => f(4 * WEEK_H + i));
    const withTrend = mape(actual, forecastModel(fitModel(y, { seasonality: 'multiplicative', trend: true }), 2 * WEEK_H));
    const flat = mape(actual, forecastModel(fitModel(y, { seasonality: 'multiplicative', trend: false }), 2 * WEEK_H));
    assert.ok(withTrend < 0.01, `with trend ${withTrend}`);
    assert.ok(flat > 2 * withTrend, `flat ${flat} vs ${withTrend}`);
  });

  test('fitted parameters are in (0, 1), β is 0 without a trend, and the fit is no worse than the start (α 0.2, γ 0.1)', () => {
    const v = seededVariates(3);
    const y = series(3 * WEEK_H, (t) => 800 * daily(t) * weekly(t) * (1 + 0.05 * v.normal()));
    const spec = { seasonality: 'multiplicative' as const, trend: false };
    const m = fitModel(y, spec);
    for (const k of ['alpha', 'gammaDay', 'gammaWeek'] as const) assert.ok(m.params[k] > 0 && m.params[k] < 1, `${k} ${m.params[k]}`);
    assert.equal(m.params.beta, 0);
    const start = runModel(y, spec, { alpha: 0.2, beta: 0, gammaDay: 0.1, gammaWeek: 0.1 }, initialState(y, spec)).sse;
    assert.ok(m.sse <= start, `${m.sse} > ${start}`);
  });

  test('forecasts are never negative and a series shorter than a week is refused', () => {
    const y = series(2 * WEEK_H, (t) => Math.max(0, 1000 - 6 * t) + (t % DAY_H));
    assert.ok(forecastModel(fitModel(y, { seasonality: 'additive', trend: true }), 2 * WEEK_H).every((v) => v >= 0));
    assert.throws(
      () =>
        initialState(
          series(WEEK_H - 1, () => 1),
          { seasonality: 'additive', trend: false },
        ),
      /at least 168/,
    );
  });

  test('names', () => {
    assert.equal(modelName({ seasonality: 'additive', trend: true }), 'additive+trend');
    assert.equal(modelName({ seasonality: 'multiplicative', trend: false }), 'multiplicative');
  });
});

describe('backtest choice and intervals', () => {
  test('MAPE skips zero actuals and is NaN with none left', () => {
    assert.equal(mape([100, 0, 200], [110, 5, 150]), (0.1 + 0.25) / 2);
    assert.ok(Number.isNaN(mape([0, 0], [1, 2])));
  });

  test('strong growth: a trend candidate wins the backtest, with the lowest MAPE of all candidates', () => {
    const y = series(4 * WEEK_H, (t) => 1000 * (1 + (0.08 * t) / WEEK_H) * daily(t) * weekly(t));
    const f = seasonalForecast(y, WEEK_H);
    assert.match(f.name, /\+trend$/);
    assert.equal(f.backtestMape, Math.min(...f.candidates.map((c) => c.mape)));
    assert.equal(f.candidates.length, 4);
  });

  test('a series with a zero hour leaves multiplicative candidates out', () => {
    const y = series(3 * WEEK_H, (t) => (t === 5 ? 0 : 500 + 100 * daily(t)));
    const f = seasonalForecast(y, 24);
    assert.deepEqual(
      f.candidates.map((c) => c.name),
      ['additive', 'additive+trend'],
    );
  });

  test('the 80% interval covers about 80% of a seeded noisy next week (60–95% over 5 seeds on average 70–90%)', () => {
    let total = 0;
    for (let seed = 1; seed <= 5; seed++) {
      const v = seededVariates(seed);
      const all = series(5 * WEEK_H, (t) => 2000 * daily(t) * weekly(t) * (1 + 0.06 * v.normal()));
      const f = seasonalForecast(all.slice(0, 4 * WEEK_H), WEEK_H);
      const held = all.slice(4 * WEEK_H);
      const cov = held.filter((y, i) => y >= f.lower[i] && y <= f.upper[i]).length / WEEK_H;
      assert.ok(cov > 0.6 && cov < 0.95, `seed ${seed}: ${cov}`);
      total += cov;
    }
    assert.ok(total / 5 > 0.7 && total / 5 < 0.9, `mean ${total / 5}`);
  });

  test('beyond a week the interval widens by √(lead/168): at 336 h the relative width is √2 that of the first week', () => {
    const v = seededVariates(11);
    const y = series(4 * WEEK_H, (t) => 900 * daily(t) * weekly(t) * (1 + 0.05 * v.normal()));
    const f = seasonalForecast(y, 2 * WEEK_H);
    const rel = (i: number) => (f.upper[i] - f.mean[i]) / f.mean[i];
    assert.ok(Math.abs(rel(100) - f.errorQuantiles[1]) < 1e-12);
    assert.ok(Math.abs(rel(2 * WEEK_H - 1) / rel(100) - Math.SQRT2) < 1e-9);
    assert.ok(f.errorQuantiles[0] < 0 && f.errorQuantiles[1] > 0);
  });

  test('fewer than 3 weeks of hours is refused', () => {
    assert.throws(
      () =>
        seasonalForecast(
          series(3 * WEEK_H - 1, () => 5),
          24,
        ),
      /at least 504/,
    );
  });
});
