import { EventEmitter } from 'node:events';

/** A resource was created, updated or deleted (emitted after its transaction committed). */
export interface ResourceChanged {
  apiVersion: string;
  kind: string;
  name: string;
  action: 'created' | 'updated' | 'deleted';
}

/** A rollout run moved (emitted after the transition was stored). */
export interface RolloutTransition {
  runId: string;
  service: string;
  environment: string;
  /** The run's phase after the transition (src/rollout/run-state.ts RunPhase). */
  phase: string;
  /** What happened, as the run journal records it (RunJournal.commit's `event`). */
  event: string;
}

export const RESOURCE_CHANGED = 'resource.changed';
/** Event the rollout capability emits after every stored run transition. */
export const ROLLOUT_TRANSITION = 'rollout.transition';

/** Topic → payload: `emit` and `on` are checked against it. One line per topic. */
export interface EventTypes {
  [RESOURCE_CHANGED]: ResourceChanged;
  [ROLLOUT_TRANSITION]: RolloutTransition;
}

/**
 * In-process event bus between capabilities. Events are emitted after commit; a listener that
 * fails is logged, never propagated to the emitter. Replicas on PostgreSQL must not rely on it
 * alone: anything that must reach every replica is read from the store.
 */
export class EventBus<M extends object = EventTypes> {
  private readonly ee = new EventEmitter();
  constructor(private readonly onError: (e: unknown, topic: string) => void = () => {}) {
    this.ee.setMaxListeners(1000);
  }

  emit<K extends keyof M & string>(topic: K, payload: M[K]): void {
    for (const l of this.ee.listeners(topic)) {
      try {
        const r = (l as (p: M[K]) => unknown)(payload);
        if (r && typeof (r as Promise<unknown>).catch === 'function') (r as Promise<unknown>).catch((e) => this.onError(e, topic));
      } catch (e) {
        this.onError(e, topic);
      }
    }
  }

  /** Subscribes; returns the unsubscribe function. */
  on<K extends keyof M & string>(topic: K, listener: (payload: M[K]) => unknown): () => void {
    this.ee.on(topic, listener as (p: unknown) => void);
    return () => this.ee.off(topic, listener as (p: unknown) => void);
  }
}
