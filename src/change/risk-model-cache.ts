/**
 * Keeps the learned risk model trained on the closed changes in the store, retraining when new
 * outcomes arrive. One per server process; the data lives in the store, so replicas agree.
 */
import { sql, type Kysely } from 'kysely';
import type { Db } from '../store/db';
import { fromJson, tablesOf } from '../store/db';
import type { ChangeTables } from './change-tables';
import { trainRiskModel, type RiskSample, type TrainedRiskModel } from './risk-model';
import type { RiskInput } from './risk-points';
import { isFailure } from './dora-metrics';

/** Outcomes used for training at most (the newest). */
export const TRAIN_WINDOW = 5000;

export class RiskModelCache {
  private cached: { count: number; model: TrainedRiskModel | undefined } | undefined;

  private readonly db: Kysely<ChangeTables>;

  constructor(db: Db) {
    this.db = tablesOf<ChangeTables>(db);
  }

  /** Closed changes with their risk facts and outcome, oldest first. */
  async samples(limit = TRAIN_WINDOW): Promise<RiskSample[]> {
    const rows = await this.db
      .selectFrom('change_requests')
      .select(['risk_input_json', 'outcome', 'completed_at_ms'])
      .where('outcome', 'is not', null)
      .where('risk_input_json', 'is not', null)
      .orderBy('completed_at_ms', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ input: fromJson<RiskInput>(r.risk_input_json), closedAtMs: Number(r.completed_at_ms), failed: isFailure(r.outcome!) })).reverse();
  }

  /** The model for the current outcomes; undefined while there is nothing to learn from. */
  async model(): Promise<TrainedRiskModel | undefined> {
    const row = await this.db
      .selectFrom('change_requests')
      .select(sql<number>`count(*)`.as('n'))
      .where('outcome', 'is not', null)
      .where('risk_input_json', 'is not', null)
      .executeTakeFirst();
    const count = Number(row?.n ?? 0);
    if (this.cached?.count === count) return this.cached.model;
    const model = count >= 2 ? trainRiskModel(await this.samples()) : undefined;
    this.cached = { count, model };
    return model;
  }
}
