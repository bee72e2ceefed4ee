/**
 * Retrospective mode: re-judges a recorded (or synthetic) run from JSON Lines, one interval per
 * line: `{"t": seconds, "baseline": {"requests", "errors", "latencyMs": [...]}, "canary": {...}}`.
 * Pure core (text in, result out); the CLI reads the file and prints.
 */
import { InputError, type Issue } from '../core/errors';
import { finishRun, judgeInterval, newRunState, type IntervalRecord } from './analysis-run';
import type { AnalysisTemplateSpec } from './analysis-template';
import { intervalInputSchema, type IntervalInput } from './interval-input';

export interface ReplayResult {
  verdict: 'pass' | 'fail' | 'inconclusive';
  /** 0-based index of the interval that decided, or null. */
  decidedAt: number | null;
  /** `error` when the run ended in the Error phase (reported as inconclusive). */
  phase: 'pass' | 'fail' | 'inconclusive' | 'error';
  reason: string;
  judge: AnalysisTemplateSpec['judge'];
  intervals: IntervalRecord[];
}

/** Parses JSON Lines; every problem names its 1-based line. Blank lines are skipped. */
export function parseReplayLines(text: string, file?: string): IntervalInput[] {
  const out: IntervalInput[] = [];
  const issues: Issue[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (e) {
      issues.push({ path: '', message: `not valid JSON: ${(e as Error).message}`, file, line });
      return;
    }
    const r = intervalInputSchema.safeParse(value);
    if (!r.success) {
      for (const z of r.error.issues)
        issues.push({
          path: z.path
            .map((p) => (typeof p === 'number' ? `[${p}]` : String(p)))
            .join('.')
            .replace(/\.\[/g, '['),
          message: z.message,
          file,
          line,
        });
      return;
    }
    out.push(r.data);
  });
  if (issues.length)
    throw new InputError(`${issues.length} problem${issues.length > 1 ? 's' : ''} in ${file ?? 'the replay input'} (first at line ${issues[0].line})`, issues);
  if (out.length === 0)
    throw new InputError(`${file ?? 'the replay input'} holds no interval`, [{ path: '', message: 'expected one JSON object per line', file, line: 1 }]);
  for (let i = 1; i < out.length; i++) {
    const a = out[i - 1].t;
    const b = out[i].t;
    if (a !== undefined && b !== undefined && b <= a) {
      throw new InputError(`intervals must be in time order`, [
        { path: 't', message: `t ${b} is not after the previous interval's ${a}`, file, line: lineOf(lines, i) },
      ]);
    }
  }
  return out;
}

function lineOf(lines: string[], intervalIndex: number): number {
  let seen = -1;
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].trim()) seen++;
    if (seen === intervalIndex) return i + 1;
  }
  return lines.length;
}

/**
 * Judges the intervals in order. Elapsed time comes from `t` when every line has it (seconds from
 * the first interval's start, taking the first interval as one template interval long), else from
 * the template's interval. Stops at the first verdict or at the maximum duration.
 */
export function replayRun(spec: AnalysisTemplateSpec, intervals: readonly IntervalInput[]): ReplayResult {
  let state = newRunState(spec.judge);
  const records: IntervalRecord[] = [];
  const haveT = intervals.every((iv) => iv.t !== undefined);
  const t0 = haveT ? intervals[0].t! : 0;
  let elapsedMs = 0;
  for (let i = 0; i < intervals.length; i++) {
    elapsedMs = haveT ? (intervals[i].t! - t0) * 1000 + spec.interval : (i + 1) * spec.interval;
    if (elapsedMs > spec.maxDuration) {
      state = finishRun(spec, state, elapsedMs - spec.interval, 'maximum duration reached', true);
      break;
    }
    const r = judgeInterval(spec, state, intervals[i], elapsedMs);
    state = r.state;
    records.push(r.record);
    if (state.verdict) break;
  }
  state = finishRun(
    spec,
    state,
    elapsedMs,
    elapsedMs >= spec.maxDuration ? 'maximum duration reached' : 'end of the recorded intervals',
    elapsedMs >= spec.maxDuration,
  );
  const phase = state.verdict ?? 'inconclusive';
  return {
    verdict: phase === 'error' ? 'inconclusive' : phase,
    decidedAt: state.decidedAt,
    phase,
    reason: state.reason,
    judge: spec.judge,
    intervals: records,
  };
}
