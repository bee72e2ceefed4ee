import type { Migration } from 'kysely';

/** Tables of change requests, their approvals and their reviews. Never edit once merged. */
export const changeMigrations: Record<string, Migration> = {
  '202611270600_change_tables': {
    async up(db) {
      await db.schema
        .createTable('change_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull().unique())
        .addColumn('service', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('environment_kind', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('rollback_plan', 'text')
        .addColumn('oncall', 'text')
        .addColumn('irreversible', 'integer', (c) => c.notNull())
        .addColumn('lines_changed', 'bigint')
        .addColumn('version', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('author', 'text', (c) => c.notNull())
        .addColumn('cycle', 'integer', (c) => c.notNull())
        .addColumn('created_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('updated_at_ms', 'bigint', (c) => c.notNull())
        .addColumn('submitted_at_ms', 'bigint')
        .addColumn('authorized_at_ms', 'bigint')
        .addColumn('scheduled_start_ms', 'bigint')
        .addColumn('scheduled_end_ms', 'bigint')
        .addColumn('implemented_at_ms', 'bigint')
        .addColumn('implementer', 'text')
        .addColumn('completed_at_ms', 'bigint')
        .addColumn('outcome', 'text')
        .addColumn('closed_at_ms', 'bigint')
        .addColumn('risk_points', 'bigint')
        .addColumn('risk_level', 'text')
        .addColumn('risk_json', 'text')
        .addColumn('risk_input_json', 'text')
        .addColumn('requirements_json', 'text')
        .addColumn('review_reasons_json', 'text')
        .addColumn('budget_remaining_at_implement', 'double precision')
        .execute();
      await db.schema.createIndex('change_requests_service').on('change_requests').columns(['service', 'environment']).execute();
      await db.schema.createIndex('change_requests_state').on('change_requests').column('state').execute();
      await db.schema
        .createTable('change_approvals')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('change_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('cycle', 'integer', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('decision', 'text', (c) => c.notNull())
        .addColumn('groups_json', 'text', (c) => c.notNull())
        .addColumn('comment', 'text')
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('change_approvals_change').on('change_approvals').column('change_id').execute();
      await db.schema
        .createTable('change_reviews')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('change_id', 'text', (c) => c.notNull().references('change_requests.id'))
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('late', 'integer', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('change_reviews_change').on('change_reviews').column('change_id').execute();
    },
    async down(db) {
      await db.schema.dropTable('change_reviews').execute();
      await db.schema.dropTable('change_approvals').execute();
      await db.schema.dropTable('change_requests').execute();
    },
  },
  /**
   * What an approval is bound to (artifact, config hash), the template a standard change comes
   * from, the one run a change authorises, the emergency reason, and a row version so that two
   * concurrent updates (approve and reject) cannot both win.
   */
  '202612031350_change_binding': {
    async up(db) {
      await db.schema
        .alterTable('change_requests')
        .addColumn('row_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema.alterTable('change_requests').addColumn('artifact', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('config_hash', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('template', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('run_id', 'text').execute();
      await db.schema.alterTable('change_requests').addColumn('emergency_reason', 'text').execute();
    },
    async down(db) {
      for (const c of ['emergency_reason', 'run_id', 'template', 'config_hash', 'artifact', 'row_version']) {
        await db.schema.alterTable('change_requests').dropColumn(c).execute();
      }
    },
  },
};
