import * as nodeCrypto from 'node:crypto';
import { randomBytes, createHash } from 'node:crypto';

/** A sortable unique id: 12 hex chars of milliseconds then 8 random hex chars, with a prefix. */
export function newId(prefix: string, nowMs: number = Date.now()): string {
  return `${prefix}_${nowMs.toString(16).padStart(12, '0')}${randomBytes(4).toString('hex')}`;
}

/** SHA-256 hex of a string. */
export function sha256(text: string): string {
  return oneShot ? oneShot('sha256', text, 'hex') : createHash('sha256').update(text).digest('hex');
}

/**
 * crypto.hash (Node ≥ 20.12): a third of createHash's cost on short inputs, which matters when
 * `audit verify` hashes three million of them; createHash before it.
 */
const oneShot = (nodeCrypto as { hash?: (alg: string, data: string, enc: 'hex') => string }).hash;

/** JSON with object keys sorted, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}
