import { Counter } from 'prom-client';
import type { Capability, ServerContext } from '../core/capability';
import { HOOKS, type Outbox } from '../core/hooks';
import { egressPolicyOf } from '../egress/egress-policy';
import { outboxCommands } from './outbox-cli';
import { outboxRoutes } from './outbox-routes';
import { OutboxSender, type OutboxSenderOptions } from './outbox-sender';
import { OutboxStore, outboxMigrations } from './outbox-store';

interface Runtime {
  store: OutboxStore;
  sender: OutboxSender;
}

const runtimes = new WeakMap<ServerContext, Runtime>();

function runtime(ctx: ServerContext): Runtime {
  let r = runtimes.get(ctx);
  if (!r) {
    const store = new OutboxStore(ctx.db);
    const deliveries = new Counter({
      name: 'shipgate_outbox_deliveries_total',
      help: 'Outbox delivery attempts by outcome (sent, failed and retried, dead)',
      labelNames: ['kind', 'outcome'],
      registers: [ctx.metrics],
    });
    const dead = new Counter({
      name: 'shipgate_outbox_dead_total',
      help: 'Outbox messages given up on (max attempts reached or refused by the egress policy)',
      labelNames: ['kind'],
      registers: [ctx.metrics],
    });
    const counters = {
      delivered(kind: string, outcome: 'sent' | 'failed' | 'dead') {
        deliveries.inc({ kind, outcome });
        if (outcome === 'dead') dead.inc({ kind });
      },
    };
    const opts = (ctx.config.options.outbox ?? {}) as OutboxSenderOptions;
    r = { store, sender: new OutboxSender(ctx.db, store, egressPolicyOf(ctx.config), ctx.audit, counters, ctx.log, opts) };
    runtimes.set(ctx, r);
  }
  return r;
}

/**
 * The outbox: notifications written in the transaction of the state change that causes them and
 * delivered after commit through the egress policy (HOOKS.outbox).
 */
export const outboxCapability: Capability = {
  name: 'outbox',
  migrations: outboxMigrations,
  init(ctx) {
    const { store, sender } = runtime(ctx);
    const outbox: Outbox = { enqueue: (trx, m) => store.enqueue(trx, m), wake: () => sender.wake() };
    ctx.services.provide(HOOKS.outbox, outbox);
  },
  routes(app, ctx) {
    outboxRoutes(app, ctx, runtime(ctx).store);
  },
  start(ctx) {
    const { sender } = runtime(ctx);
    sender.start();
    return () => sender.stop();
  },
  cli(program, cli) {
    outboxCommands(program, cli);
  },
};
