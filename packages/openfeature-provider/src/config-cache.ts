/**
 * The last-known configuration on disk, so a provider starts (and keeps serving) when the server
 * is down. Writes are atomic (temporary file, then rename).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FlagConfig } from '../../../src/flags/flag-model';

export interface CachedConfig {
  etag: string;
  config: FlagConfig;
  /** When it was received, ms since epoch. */
  savedAtMs: number;
}

export function readCachedConfig(file: string): CachedConfig | undefined {
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as CachedConfig;
    if (typeof v.etag !== 'string' || !v.config || !Array.isArray(v.config.flags)) return undefined;
    return v;
  } catch {
    return undefined;
  }
}

export function writeCachedConfig(file: string, v: CachedConfig): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(v));
  renameSync(tmp, file);
}

/** Same as writeCachedConfig, for a configuration still in its JSON text (no parse, no re-serialise). */
export function writeCachedConfigText(file: string, etag: string, configJson: string, savedAtMs: number): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `{"etag":${JSON.stringify(etag)},"savedAtMs":${savedAtMs},"config":${configJson}}`);
  renameSync(tmp, file);
}
