import { EventEmitter } from 'node:events';

/** A resource was created, updated or deleted (emitted after its transaction committed). */
export interface ResourceChanged {
  apiVersion: string;
  kind: string;
  name: string;
  action: 'created' | 'updated' | 'deleted';
}

/**
 * In-process event bus between capabilities. Events are emitted after commit; a listener that
 * fails is logged, never propagated to the emitter. Replicas on PostgreSQL must not rely on it
 * alone: anything that must reach every replica is read from the store.
 */
export class EventBus {
  private readonly ee = new EventEmitter();
  constructor(private readonly onError: (e: unknown, topic: string) => void = () => {}) {
    this.ee.setMaxListeners(1000);
  }

  emit<T>(topic: string, payload: T): void {
    for (const l of this.ee.listeners(topic)) {
      try {
        const r = (l as (p: T) => unknown)(payload);
        if (r && typeof (r as Promise<unknown>).catch === 'function') (r as Promise<unknown>).catch((e) => this.onError(e, topic));
      } catch (e) {
        this.onError(e, topic);
      }
    }
  }

  /** Subscribes; returns the unsubscribe function. */
  on<T>(topic: string, listener: (payload: T) => unknown): () => void {
    this.ee.on(topic, listener as (p: unknown) => void);
    return () => this.ee.off(topic, listener as (p: unknown) => void);
  }
}

export const RESOURCE_CHANGED = 'resource.changed';
